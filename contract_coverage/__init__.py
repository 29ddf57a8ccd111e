"""What each run actually exercised of the contract: statuses, errorCodes, fields, values, states.

Read from recorded calls (:mod:`traffic`: the contract run's, the proxy's,
merged), measured against what ``openapi.yaml`` declares (:mod:`crm_contract`):
:mod:`contract_coverage.targets` lists what there is to cover,
:mod:`contract_coverage.measure` counts what the calls reached, and
:mod:`contract_coverage.render` writes JSON, Markdown and an offline HTML page.
"""

from contract_coverage.measure import Coverage, measure
from contract_coverage.targets import OperationTargets, targets

__all__ = ["Coverage", "OperationTargets", "measure", "targets"]
