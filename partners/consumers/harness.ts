// What every TypeScript consumer shares: the signed header, the plan it is given, its report.
// The consumers themselves (one per generator) show how a partner calls that generator's client.
import { createHmac, randomBytes } from 'node:crypto';

/** A fresh `Authorization` header (README, "Signing by hand"): every request signs anew. */
export function authorization(): string {
  const apiKey = process.env.SOLAPI_API_KEY ?? '';
  const apiSecret = process.env.SOLAPI_API_SECRET ?? '';
  const date = new Date().toISOString();
  const salt = randomBytes(16).toString('hex');
  const signature = createHmac('sha256', apiSecret).update(date + salt).digest('hex');
  return `HMAC-SHA256 apiKey=${apiKey}, date=${date}, salt=${salt}, signature=${signature}`;
}

/** The ids and names this run may use, from the matrix (CRM_PARTNER_PLAN). */
export interface Plan {
  baseUrl: string;
  futureUrl: string;
  entityId: string;
  trashFirst: string;
  soft: string;
  unknown: string;
  permanent: string;
  dropdownName: string;
  textName: string;
}

export const plan: Plan = JSON.parse(process.env.CRM_PARTNER_PLAN ?? '{}') as Plan;

/** The options of the DROPDOWN the consumers create. */
export const OPTIONS = [
  { label: '진행 중', value: 'IN_PROGRESS', priority: 1 },
  { label: '계약완료', value: 'CLOSED_WON', priority: 2 },
];

/** What the consumer read, as typed values, printed for the matrix to check. */
export interface Observations {
  trashFirst: { deletedCount: number };
  soft: { permanent: boolean; deletedCount: number; failed: { recordId: string; reason: string }[] };
  permanent: { permanent: boolean; deletedCount: number; dateTrashExpires: string | null };
  dropdown: { propertyId: string; fieldType: string; options: string[] };
  text: { propertyId: string; fieldType: string };
  conflict: { status: number; errorCode: string };
  futureDelete: { reasons: string[] };
  futureProperty: { fieldType: string };
}

/** A bulk delete's answer as every generated client types it (structurally). */
interface Deletion {
  permanent: boolean;
  deletedCount: number;
  failed: { recordId: string; reason: string }[];
  dateTrashExpires?: string | Date | null;
}

/** A created property as every generated client types it (structurally). */
interface Created {
  propertyId: string;
  fieldType: string;
  options: { value: string }[];
}

/** The answers a consumer got, each typed by its generated client. */
export interface Answers {
  trashFirst: Deletion;
  soft: Deletion;
  permanent: Deletion;
  dropdown: Created;
  text: Created;
  conflict: { status: number; errorCode: string };
  futureDelete: Deletion;
  futureProperty: Created;
}

function observe(answers: Answers): Observations {
  const { trashFirst, soft, permanent, dropdown, text, futureDelete, futureProperty } = answers;
  const expires = permanent.dateTrashExpires;
  return {
    trashFirst: { deletedCount: trashFirst.deletedCount },
    soft: {
      permanent: soft.permanent, deletedCount: soft.deletedCount,
      failed: soft.failed.map((f) => ({ recordId: f.recordId, reason: f.reason })),
    },
    permanent: {
      permanent: permanent.permanent, deletedCount: permanent.deletedCount,
      dateTrashExpires: expires == null ? null : expires instanceof Date ? expires.toISOString() : expires,
    },
    dropdown: {
      propertyId: dropdown.propertyId, fieldType: dropdown.fieldType,
      options: dropdown.options.map((o) => o.value),
    },
    text: { propertyId: text.propertyId, fieldType: text.fieldType },
    conflict: answers.conflict,
    futureDelete: { reasons: futureDelete.failed.map((f) => f.reason) },
    futureProperty: { fieldType: futureProperty.fieldType },
  };
}

/** Run a consumer's calls and print what it read; any failure exits 1 with the error. */
export function run(calls: () => Promise<Answers>): void {
  calls().then(
    (answers) => console.log(JSON.stringify(observe(answers))),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
