"""A second counter on the crash test's data folder: full counter visits through the services (lease scan through
the capture pipeline, archive, submit, pay), one customer after another, until it is SIGKILLed.

Usage: crash_worker.py ID_NUMBER=LEASE_PATH ...  It imports and plans its first visit (the pipeline reads the
scan; planning writes nothing), then says READY and waits for one line on stdin, so the test can start it ahead
and let it loose together with a server: its first write comes at once. It prints `COMMITTED <case no>` the moment a
submission returned, and `REFUSED <id number>` when it was refused.
"""

from __future__ import annotations

import sys

from desk.cases.submission import Plan, SubmissionRefused, SubmitRequest, carry_out, plan_submission


def _plan(pair: str) -> Plan | None:
    id_number, lease = pair.split("=", 1)
    request = SubmitRequest(
        query=id_number, business="TQ401", staff="clerk2", declared=("actual_rent",), attach=(("M10", lease),)
    )
    try:
        return plan_submission(request)
    except SubmissionRefused:
        print("REFUSED", id_number, flush=True)
        return None


def main(pairs: list[str]) -> None:
    first = _plan(pairs[0])
    print("READY", flush=True)
    sys.stdin.readline()
    for index, pair in enumerate(pairs):
        plan = first if index == 0 else _plan(pair)
        if plan is None:
            continue
        try:
            case = carry_out(plan)
        except SubmissionRefused:
            print("REFUSED", pair.split("=", 1)[0], flush=True)
            continue
        print("COMMITTED", case.case_no, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
