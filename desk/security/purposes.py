"""Why a staff member reads personal data: the purposes a lookup may state and the reasons for unmasking.

The codes are written to the access log (language-neutral); their labels are `ui.purpose.<code>`
and `ui.unmask_reason.<code>` in desk/i18n/ui.toml. The first purpose is the default.
"""

from __future__ import annotations

LOOKUP_PURPOSES = ("counter_service", "phone_inquiry", "case_review")
UNMASK_REASONS = ("verify_identity", "customer_request", "business_form")
