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

export function report(observations: Observations): void {
  console.log(JSON.stringify(observations));
}
