"""Draws demo customers for a Dalian-like centre, one chunk at a time, as plain row tuples.

A chunk depends only on (seed, chunk number, reference date `as_of`) and the ID numbers drawn
before it, so the same seed and reference date give the same data on any day. Rows are tuples in
the column order of `COLUMNS`, ready for a DBAPI `executemany`: dates and times are already ISO
text, which SQLite stores as SQLAlchemy does and PostgreSQL casts to the column's type. The
shares and ranges come from `demo_data.toml`.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from faker.providers.company.zh_CN import Provider as CompanyNames
from faker.providers.person.zh_CN import Provider as PersonNames

from desk.records.calendar_months import add_months, month_start, months_between
from desk.records.demo_draft import Draft
from desk.records.demo_facts import FactContext, registry_facts
from desk.records.demo_random import choice, randint
from desk.validators import USCC_CHARS, id_check_char, luhn_check_digit, org_code_check_char, uscc_check_char

CHUNK_SIZE = 5000
CONFIG_PATH = Path(__file__).with_name("demo_data.toml")

COLUMNS: dict[str, tuple[str, ...]] = {
    "employer": ("id", "unit_account", "name", "credit_code", "status", "district_code", "opened_on"),
    "person": ("id", "id_number", "name", "phone", "sex", "birth_date", "address"),
    "personal_account": (
        "id",
        "account_no",
        "person_id",
        "employer_id",
        "status",
        "status_since",
        "opened_on",
        "balance_fen",
        "deposit_base_fen",
        "personal_rate_pct",
        "employer_rate_pct",
        "monthly_deposit_fen",
        "deposit_months_total",
        "last_deposit_month",
        "bank_card_no",
        "brought_forward_fen",
    ),
    "deposit_ledger": ("account_id", "period", "amount_fen", "business_code"),
    "withdrawal": ("id", "account_id", "reason_code", "amount_fen", "withdrawn_on"),
    "loan": (
        "id",
        "loan_no",
        "person_id",
        "amount_fen",
        "annual_rate_millipct",
        "term_months",
        "issued_on",
        "repayment_method",
        "monthly_payment_fen",
        "outstanding_fen",
        "status",
        "home_kind",
    ),
    "registry_fact": ("id", "person_id", "kind", "source", "as_of", "payload"),
}
# Closing withdrawal reason by what ended the account (domain.md §4 codes).
_CLOSING_REASON = {"retired": "03", "disability": "04", "abroad": "05", "deceased": "08"}


@lru_cache(maxsize=1)
def demo_config() -> dict[str, Any]:
    """The generator's inputs from demo_data.toml."""
    return tomllib.loads(CONFIG_PATH.read_text(encoding="utf-8"))


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class DriverText:
    """Dates and times as driver-ready text, memoised (a chunk repeats the same few thousand values).

    Times are UTC as SQLModel stores them: without an offset on SQLite, with `+00:00` elsewhere.
    """

    def __init__(self, utc_suffix: str) -> None:
        self.utc_suffix = utc_suffix
        self._memo: dict[Any, str | None] = {None: None}

    def __call__(self, value: date | datetime | None) -> str | None:
        text = self._memo.get(value)
        if text is None and value is not None:
            if isinstance(value, datetime):
                utc = value.astimezone(UTC).replace(tzinfo=None)
                text = utc.isoformat(" ", timespec="microseconds") + self.utc_suffix
            else:
                text = value.isoformat()
            self._memo[value] = text
        return text


class _Weighted:
    """Fast repeated weighted choice (one bisect per draw)."""

    def __init__(self, items: list[Any], weights: list[float]) -> None:
        self.items = items
        self.cum = _cumulative(weights)
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


class NamePool:
    """Chinese names from Faker's zh_CN lists, with the north-east surnames boosted."""

    def __init__(self, conf: dict[str, Any]) -> None:
        weights = dict(PersonNames.last_names)
        for surname, boost in conf["extra_surnames"].items():
            weights[surname] = weights.get(surname, 0.0) + boost
        self.surnames = _Weighted(list(weights), list(weights.values()))
        self.given = {"M": list(PersonNames.first_names_male), "F": list(PersonNames.first_names_female)}
        self.two_char_share = conf["two_char_given_share"]

    def draw(self, rng: random.Random, sex: str) -> str:
        pool = self.given[sex]
        given = choice(rng, pool)
        if len(given) == 1 and rng.random() < self.two_char_share:
            given += choice(rng, pool)[0]
        return self.surnames.draw(rng) + given


@dataclass
class ChunkRows:
    """The rows of one chunk, table name -> list of tuples."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: {name: [] for name in COLUMNS})

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)


class DemoGenerator:
    """Draws `customers` customers in chunks; call `employers()` once, then `chunk(i)` in order."""

    def __init__(self, *, customers: int, seed: int, as_of: date, utc_suffix: str = "") -> None:
        self.conf = demo_config()
        self.text = DriverText(utc_suffix)
        self.customers = customers
        self.seed = seed
        self.today = as_of  # the data describe the centre as it stands on this day
        self.now = datetime.combine(as_of, time(0, 0), tzinfo=UTC)  # 08:00 in Dalian
        self.current_month = month_start(as_of)
        self.names = NamePool(self.conf["population"])
        self.districts = _Weighted(self.conf["districts"], [d["weight"] for d in self.conf["districts"]])
        self.employer_count = max(3, math.ceil(customers / self.conf["employers"]["customers_per_employer"]))
        self.used_ids: set[str] = set()
        self.ids = {"withdrawal": itertools.count(1), "loan": itertools.count(1), "registry_fact": itertools.count(1)}
        status = self.conf["accounts"]["status"]
        self.account_status = _Weighted(list(status), list(status.values()))
        terms = self.conf["loans"]["terms_months"]
        self.loan_terms = _Weighted([int(k) for k in terms], list(terms.values()))

    @property
    def chunk_count(self) -> int:
        """How many chunks `customers` needs."""
        return math.ceil(self.customers / CHUNK_SIZE)

    # --- employers ------------------------------------------------------------------------

    def employers(self) -> list[tuple]:
        """Every employer row; a few carry a corrupt credit code on purpose."""
        rng = random.Random(f"{self.seed}-employers")
        conf = self.conf["employers"]
        rows = []
        for number in range(1, self.employer_count + 1):
            district = self.districts.draw(rng)["code"]
            region = district if rng.random() < conf["district_code_share"] else "210200"
            code = _credit_code(rng, region)
            if rng.random() < conf["corrupt_credit_code_share"]:
                code = _corrupt(rng, code)
            name = "大连" + "".join(
                choice(rng, words) for words in (CompanyNames.company_prefixes, conf["industries"], conf["suffixes"])
            )
            status = "01" if rng.random() < 0.95 else choice(rng, ["03", "05"])
            opened = date(randint(rng, 1995, 2024), randint(rng, 1, 12), randint(rng, 1, 28))
            rows.append((number, f"2102{number:06d}", name, code, status, district, self.text(opened)))
        return rows

    # --- customers ------------------------------------------------------------------------

    def chunk(self, index: int) -> ChunkRows:
        """The rows of customers `index * CHUNK_SIZE + 1` … (at most CHUNK_SIZE of them)."""
        rng = random.Random(f"{self.seed}-chunk-{index}")
        out = ChunkRows()
        first = index * CHUNK_SIZE + 1
        last = min(self.customers, first + CHUNK_SIZE - 1)
        pid = first
        while pid <= last:
            drafts = [self._draft(rng, pid)]
            if pid < last and drafts[0].age >= 24 and rng.random() < self.conf["population"]["couple_share"]:
                drafts.append(self._draft(rng, pid + 1, partner=drafts[0]))  # the next customer is the spouse
            for draft in drafts:
                self._emit(rng, draft, out)
            pid += len(drafts)
        return out

    def _draft(self, rng: random.Random, pid: int, partner: Draft | None = None) -> Draft:
        pop = self.conf["population"]
        if partner is not None:
            sex = "F" if partner.sex == "M" else "M"
            age = max(pop["min_age"], min(pop["max_age"], partner.age + randint(rng, -4, 4)))
            district = partner.district
        else:
            sex = "M" if rng.random() < 0.5 else "F"
            retiree = rng.random() < pop["retiree_share"]
            age = randint(rng, 58, pop["max_age"]) if retiree else randint(rng, pop["min_age"], 57)
            district = self.districts.draw(rng)
        birth = self.today - timedelta(days=int((age + rng.random()) * 365.25))
        draft = Draft(
            pid=pid,
            sex=sex,
            birth=birth,
            age=age,
            district=district,
            id_number=self._new_id(rng, district["code"], birth, sex),
            name=self.names.draw(rng, sex),
            phone=_phone(rng),
            address=partner.address if partner else self._address(rng, district),
        )
        self._draw_events(rng, draft)
        self._draw_marriage(rng, draft, partner)
        return draft

    def _new_id(self, rng: random.Random, district_code: str, birth: date, sex: str) -> str:
        while True:
            sequence = randint(rng, 0, 499) * 2 + (1 if sex == "M" else 0)
            body = f"{district_code}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
            number = body + id_check_char(body)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _address(self, rng: random.Random, district: dict[str, Any]) -> str:
        conf = self.conf["address"]
        return (
            f"辽宁省大连市{district['name']}{choice(rng, conf['streets'])}{randint(rng, 1, 300)}号"
            f"{choice(rng, conf['estates'])}{randint(rng, 1, 30)}栋{randint(rng, 1, 6)}单元"
            f"{randint(rng, 1, 30)}0{randint(rng, 1, 4)}室"
        )

    def _draw_events(self, rng: random.Random, draft: Draft) -> None:
        events = self.conf["facts"]["events"]
        for name in (
            "non_local_hukou",
            "abroad",
            "deceased",
            "disability",
            "social_assistance",
            "major_disease",
            "child_at_college",
            "renovation",
        ):
            if rng.random() < events[name]:
                draft.events.add(name)
        # Hard-up families with a child at college (TQ603) need both facts on one person.
        if (
            "social_assistance" in draft.events
            and draft.age >= events["college_parent_min_age"]
            and rng.random() < events["assisted_with_college_child"]
        ):
            draft.events.add("child_at_college")
        if (draft.sex == "M" and draft.age >= 60) or (draft.sex == "F" and draft.age >= 55):
            draft.events.add("retired")

    def _draw_marriage(self, rng: random.Random, draft: Draft, partner: Draft | None) -> None:
        events = self.conf["facts"]["events"]
        if partner is not None:
            married_on = partner.married_on or min(self.today, add_months(max(partner.birth, draft.birth), 12 * 23))
            for one, other in ((draft, partner), (partner, draft)):
                one.marital, one.married_on, one.spouse = "married", married_on, (other.id_number, other.name)
            return
        roll = rng.random()
        if draft.age < 24 or roll >= events["married"] + events["divorced"] + events["widowed"]:
            return
        draft.marital = (
            "married"
            if roll < events["married"]
            else "divorced"
            if roll < events["married"] + events["divorced"]
            else "widowed"
        )
        draft.married_on = add_months(draft.birth, 12 * randint(rng, 22, max(22, min(draft.age, 40))))
        if draft.marital == "married":
            spouse_sex = "F" if draft.sex == "M" else "M"
            spouse_birth = draft.birth + timedelta(days=randint(rng, -1500, 1500))
            spouse_birth = min(spouse_birth, self.today - timedelta(days=365 * 20))
            spouse_district = self.districts.draw(rng)["code"]
            draft.spouse = (
                self._new_id(rng, spouse_district, spouse_birth, spouse_sex),
                self.names.draw(rng, spouse_sex),
            )

    # --- rows -----------------------------------------------------------------------------

    def _emit(self, rng: random.Random, draft: Draft, out: ChunkRows) -> None:
        rows, pid, text = out.rows, draft.pid, self.text
        rows["person"].append(
            (pid, draft.id_number, draft.name, draft.phone, draft.sex, text(draft.birth), draft.address)
        )
        account = self._account(rng, draft)
        rows["deposit_ledger"].extend([(pid, text(period), amount, code) for period, amount, code in account.ledger])
        self._housing(rng, draft, account, out)
        rows["personal_account"].append(account.row(draft, text))  # after housing: its withdrawals count
        next_withdrawal, next_fact = self.ids["withdrawal"], self.ids["registry_fact"]
        rows["withdrawal"].extend(
            [(next(next_withdrawal), pid, reason, amount, text(day)) for reason, amount, day in account.withdrawals]
        )
        context = FactContext(draft=draft, today=self.today, now=self.now, conf=self.conf["facts"])
        rows["registry_fact"].extend(
            [
                (next(next_fact), pid, kind, source, text(as_of), payload)
                for kind, source, as_of, payload in registry_facts(rng, context)
            ]
        )

    def _account(self, rng: random.Random, draft: Draft) -> _Account:
        conf = self.conf["accounts"]
        status, cause = self._account_status(rng, draft)
        base = _clipped_lognormal(
            rng,
            conf["deposit_base_median_yuan"],
            conf["deposit_base_sigma"],
            conf["deposit_base_min_yuan"],
            conf["deposit_base_max_yuan"],
        )
        roll, rate = rng.random(), randint(rng, 7, 10)
        for pct, share in conf["rate_shares"].items():
            if roll < share:
                rate = int(pct)
                break
            roll -= share
        monthly_yuan = round(base * rate * 2 / 100)
        career_months = max(1, (draft.age - randint(rng, 22, 26)) * 12)
        if rng.random() < conf["new_depositor_share"] and status in ("01", "00"):
            career_months = randint(rng, 1, 5)
        last_month = add_months(self.current_month, -1)
        stopped = {"01": 0, "06": 0, "00": 0, "02": randint(rng, 1, 36)}.get(status, randint(rng, 1, 60))
        stopped = min(stopped, career_months - 1)
        opened = add_months(last_month, -(career_months - 1))
        last_deposit = None if status == "00" else add_months(last_month, -stopped)
        since = {"01": opened, "00": opened, "06": add_months(last_month, -randint(rng, 0, 11))}.get(
            status, last_deposit or opened
        )
        account = _Account(
            status=status,
            opened=opened,
            status_since=max(since, opened),
            employer_id=1 + min(self.employer_count - 1, int(self.employer_count * rng.random() ** 1.7)),
            base_fen=base * 100,
            rate=rate,
            monthly_fen=monthly_yuan * 100,
            bank_card=_bank_card(rng, conf),
            last_deposit=last_deposit,
        )
        account.fill_ledger(rng, conf, self.current_month)
        balance = (
            _clipped_lognormal(rng, conf["balance_median_yuan"], conf["balance_sigma"], 0, conf["balance_max_yuan"])
            * 100
        )
        account.balance_fen = 0 if status in ("03", "04", "05") else min(balance, account.deposited_fen())
        if cause is not None:
            draft.ended_on = self._event_day(rng, account.last_deposit or opened)
        if status == "05":
            amount = max(balance, monthly_yuan * 100)
            closed_on = (
                min(self.today, draft.ended_on + timedelta(days=randint(rng, 7, 90)))
                if draft.ended_on
                else self._day_in(rng, account.status_since)
            )
            account.withdrawals.append((_CLOSING_REASON[cause or "abroad"], amount, closed_on))
        return account

    def _account_status(self, rng: random.Random, draft: Draft) -> tuple[str, str | None]:
        """(status code, the life event that ended the deposits or None)."""
        # Life events decide the state first: they are what the closing businesses are for. A sealed
        # account is the business still to do (no closing withdrawal yet); a closed one has had it.
        for event, sealed_share in self.conf["accounts"]["sealed_share_after"].items():
            if event in draft.events:
                return ("02" if rng.random() < sealed_share else "05"), event
        return self.account_status.draw(rng), None

    def _event_day(self, rng: random.Random, last_deposit: date) -> date:
        """A day in the month after the last deposit (the event stopped them), before the reference date."""
        return min(self.today - timedelta(days=1), add_months(last_deposit, 1).replace(day=randint(rng, 1, 28)))

    def _day_in(self, rng: random.Random, month: date) -> date:
        """A day of `month` (first day given); some withdrawals fall on the month's last day on purpose."""
        if rng.random() < self.conf["accounts"]["month_end_withdrawal_share"]:
            return add_months(month, 1) - timedelta(days=1)
        return month.replace(day=randint(rng, 1, 28))

    def _housing(self, rng: random.Random, draft: Draft, account: _Account, out: ChunkRows) -> None:
        conf = self.conf["housing"]
        active = account.status in ("01", "02", "06")
        if rng.random() < conf["renter_share"] and "retired" not in draft.events:
            self._renter(rng, draft, account, active)
        else:
            self._owner(rng, draft, account, active, out)
        self._special_withdrawals(rng, draft, account, active)
        if "deceased" in draft.events and draft.ended_on:  # the dead withdraw nothing; the heirs' claim is TQ304
            account.withdrawals = [
                w for w in account.withdrawals if w[0] == _CLOSING_REASON["deceased"] or w[2] <= draft.ended_on
            ]

    def _renter(self, rng: random.Random, draft: Draft, account: _Account, active: bool) -> None:
        conf = self.conf["housing"]
        monthly_rent = randint(rng, conf["rent_monthly_min_yuan"], conf["rent_monthly_max_yuan"]) // 100 * 100
        if rng.random() < conf["lease_filing_share"]:
            start = add_months(self.current_month, -randint(rng, 1, 20))
            draft.lease = {
                "filing_no": f"ZL{start:%Y}{draft.pid:09d}",
                "monthly_rent_fen": monthly_rent * 100,
                "start_on": start,
                "end_on": add_months(start, 12) - timedelta(days=1),
            }
        if not active or rng.random() >= conf["rent_withdrawal_share"]:
            return
        amount = min(monthly_rent * 12, conf["rent_cap_yuan_per_year"]) * 100
        self._yearly_withdrawals(rng, account, "07", amount, randint(rng, 1, 30), randint(rng, 1, 3))

    def _yearly_withdrawals(
        self, rng: random.Random, account: _Account, reason: str, amount: int, months_ago: int, count: int
    ) -> None:
        for year in range(count):
            month = add_months(self.current_month, -(months_ago + 12 * year))
            if month < account.opened:
                break
            account.withdrawals.append((reason, amount, self._day_in(rng, month)))

    def _owner(self, rng: random.Random, draft: Draft, account: _Account, active: bool, out: ChunkRows) -> None:
        conf, loans = self.conf["housing"], self.conf["loans"]
        draft.owner = True
        recent = rng.random() < conf["recent_purchase_share"]
        months_ago = randint(rng, 1, 24) if recent else randint(rng, 25, max(26, (draft.age - 22) * 12))
        bought = self._day_in(rng, add_months(self.current_month, -months_ago))
        second = rng.random() < conf["second_home_share"]
        price_fen = randint(rng, 60, 300) * 10_000 * 100
        draft.homes = [_home(rng, draft, bought, mortgaged=False)]
        if second:
            draft.homes.append(_home(rng, draft, add_months(bought, -randint(rng, 24, 120)), mortgaged=False))
        if recent:
            draft.purchase = {
                "contract_no": f"WQ{bought:%Y}{draft.pid:09d}",
                "price_fen": price_fen,
                "signed_on": bought - timedelta(days=randint(rng, 20, 90)),
                "new_build": rng.random() < conf["new_build_share"],
            }
            if active and bought >= account.opened:
                account.withdrawals.append(
                    ("01", min(price_fen // 5, max(account.balance_fen, 100_000)), add_months(bought, 1))
                )
        if account.status != "00" and rng.random() < loans["pf_loan_share"]:
            self._pf_loan(rng, draft, account, bought, price_fen, second, active, out)
        elif rng.random() < loans["commercial_loan_share"]:
            self._commercial_loan(rng, draft, account, bought, price_fen, active)

    def _pf_loan(
        self,
        rng: random.Random,
        draft: Draft,
        account: _Account,
        issued: date,
        price_fen: int,
        second: bool,
        active: bool,
        out: ChunkRows,
    ) -> None:
        conf = self.conf["loans"]
        amount = (
            _clipped_lognormal(rng, conf["amount_median_yuan"], 0.35, conf["amount_min_yuan"], conf["amount_max_yuan"])
            // 1000
            * 1000
            * 100
        )
        amount = min(amount, price_fen * 8 // 10)
        term = self.loan_terms.draw(rng)
        rate = conf["rates_millipct"]["second" if second else "first"]
        method = "02" if rng.random() < conf["equal_principal_share"] else "01"
        paid = min(term, max(0, months_between(issued, self.today)))
        monthly, outstanding = _amortize(amount, rate, term, paid, method)
        settled = paid >= term or rng.random() < conf["settled_share"] * (paid / term)
        if settled:
            outstanding = 0
        draft.homes[0]["mortgaged"] = not settled
        out.add(
            "loan",
            (
                next(self.ids["loan"]),
                f"DK{issued:%Y}{draft.pid:010d}",
                draft.pid,
                amount,
                rate,
                term,
                self.text(issued),
                method,
                monthly,
                outstanding,
                "settled" if settled else "open",
                "second" if second else "first",
            ),
        )
        if active and not settled and rng.random() < conf["repayment_withdrawal_share"]:
            self._yearly_withdrawals(
                rng, account, "06", min(monthly * 12, outstanding), randint(rng, 1, 20), randint(rng, 1, 2)
            )

    def _commercial_loan(
        self, rng: random.Random, draft: Draft, account: _Account, start: date, price_fen: int, active: bool
    ) -> None:
        conf = self.conf["loans"]
        amount = price_fen * randint(rng, 5, 7) // 10
        term = conf["commercial_term_months"]
        paid = min(term, months_between(start, self.today))
        monthly, outstanding = _amortize(amount, conf["commercial_rate_millipct"], term, paid, "01")
        draft.homes[0]["mortgaged"] = outstanding > 0
        draft.commercial_loans.append(
            {
                "bank": choice(rng, self.conf["facts"]["events"]["banks"]),
                "amount_fen": amount,
                "outstanding_fen": outstanding,
                "monthly_payment_fen": monthly,
                "start_on": start,
            }
        )
        if active and outstanding and rng.random() < conf["repayment_withdrawal_share"]:
            self._yearly_withdrawals(rng, account, "06", monthly * 12, randint(rng, 1, 20), randint(rng, 1, 2))

    def _special_withdrawals(self, rng: random.Random, draft: Draft, account: _Account, active: bool) -> None:
        if not active:
            return
        if "major_disease" in draft.events and rng.random() < 0.3:
            self._yearly_withdrawals(rng, account, "09", randint(rng, 2, 8) * 10_000 * 100, randint(rng, 1, 24), 1)
        if "social_assistance" in draft.events and rng.random() < 0.3:
            self._yearly_withdrawals(rng, account, "99", randint(rng, 5, 20) * 1000 * 100, randint(rng, 1, 24), 1)


@dataclass
class _Account:
    """The account of one draft while it is drawn."""

    status: str
    opened: date
    status_since: date
    employer_id: int
    base_fen: int
    rate: int
    monthly_fen: int
    bank_card: str
    last_deposit: date | None
    balance_fen: int = 0
    months_total: int = 0
    ledger: list[tuple[date, int, str]] = field(default_factory=list)
    withdrawals: list[tuple[str, int, date]] = field(default_factory=list)

    def fill_ledger(self, rng: random.Random, conf: dict[str, Any], current_month: date) -> None:
        """Monthly deposits of the kept window; a gap on purpose for some, last July's base change for all."""
        if self.last_deposit is None:
            return
        self.months_total = months_between(self.opened, self.last_deposit) + 1
        first = max(self.opened, add_months(self.last_deposit, -(conf["ledger_months"] - 1)))
        gap = None
        if rng.random() < conf["gap_share"] and self.months_total > 4:
            gap = add_months(self.last_deposit, -randint(rng, 0, 3))
            self.months_total -= 1
        base_change = date(current_month.year if current_month.month >= 7 else current_month.year - 1, 7, 1)
        previous_monthly = self.monthly_fen * 96 // 100 // 100 * 100
        for month in _month_starts(first, self.last_deposit):
            if month != gap:
                self.ledger.append((month, self.monthly_fen if month >= base_change else previous_monthly, "01"))

    def deposited_fen(self) -> int:
        """A ceiling for the balance: everything deposited since opening."""
        return self.months_total * self.monthly_fen

    def brought_forward_fen(self) -> int:
        """What the balance holds beyond the ledger rows generated (older deposits, interest)."""
        withdrawn = sum(amount for _reason, amount, _day in self.withdrawals)
        return self.balance_fen - sum(amount for _month, amount, _code in self.ledger) + withdrawn

    def row(self, draft: Draft, text: DriverText) -> tuple:
        """The personal_account row (account id = person id)."""
        return (
            draft.pid,
            f"2102{draft.pid:08d}",
            draft.pid,
            self.employer_id,
            self.status,
            text(self.status_since),
            text(self.opened),
            self.balance_fen,
            self.base_fen,
            self.rate,
            self.rate,
            self.monthly_fen,
            self.months_total,
            text(self.last_deposit),
            self.bank_card,
            self.brought_forward_fen(),
        )


@lru_cache(maxsize=4096)
def _month_starts(first: date, last: date) -> tuple[date, ...]:
    """Every month start from `first` to `last` (cached: many accounts share their window)."""
    span = months_between(first, last)
    return tuple(add_months(first, n) for n in range(span + 1))


def _clipped_lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> int:
    return int(min(high, max(low, rng.lognormvariate(math.log(median), sigma))))


def _phone(rng: random.Random) -> str:
    return f"1{choice(rng, '35789')}{randint(rng, 0, 10**9 - 1):09d}"


def _bank_card(rng: random.Random, conf: dict[str, Any]) -> str:
    partial = choice(rng, conf["card_bins"]) + f"{randint(rng, 0, 10**12 - 1):012d}"
    digit = luhn_check_digit(partial)
    if rng.random() < conf["card_luhn_failure_share"]:
        digit = str((int(digit) + randint(rng, 1, 9)) % 10)
    return partial + digit


def _credit_code(rng: random.Random, region: str) -> str:
    org = "".join(choice(rng, USCC_CHARS[:10]) if i < 6 else choice(rng, USCC_CHARS) for i in range(8))
    body = "91" + region + org + org_code_check_char(org)
    return body + uscc_check_char(body)


def _corrupt(rng: random.Random, code: str) -> str:
    position = rng.randrange(2, 18)
    replacement = choice(rng, [ch for ch in USCC_CHARS if ch != code[position]])
    return code[:position] + replacement + code[position + 1 :]


def _home(rng: random.Random, draft: Draft, registered: date, *, mortgaged: bool) -> dict[str, Any]:
    return {
        "cert_no": f"辽({registered:%Y})大连市不动产权第{rng.randrange(10**7):07d}号",
        "address": draft.address,
        "area_m2": randint(rng, 45, 160),
        "registered_on": registered,
        "mortgaged": mortgaged,
    }


def _amortize(amount_fen: int, rate_millipct: int, term: int, paid: int, method: str) -> tuple[int, int]:
    """(current monthly payment, outstanding principal) after `paid` instalments, in fen."""
    r = rate_millipct / 100_000 / 12
    if method == "02":  # equal principal: the instalment shrinks as the interest does
        principal = amount_fen / term
        outstanding = amount_fen - principal * paid
        return round(principal + outstanding * r), max(0, round(outstanding))
    growth = (1 + r) ** term
    payment = amount_fen * r * growth / (growth - 1)
    grown = (1 + r) ** paid
    outstanding = amount_fen * grown - payment * (grown - 1) / r
    return round(payment), max(0, round(outstanding))
