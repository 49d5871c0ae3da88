"""A simulated fee cycle: a market's stalls paying one period's fee, as the bank shows it.

It writes what ``cashless reconcile`` reads (the generic credit schema, :class:`Credit`)
and, beside it, the ground truth: for every credit what really happened, for every stall
what it really paid. Each kind of trouble has its own probability and its own random
stream (numpy ``SeedSequence`` spawned per purpose, so changing one rate leaves the other
draws as they were): payers who type the note and mistype the code or leave it out, who
mistype the amount (``mistype_prob``, ``mistype_under_share``), who pay twice;
notifications delivered twice (the same reference); credits pending for a while
(``pending_prob``), some finally reversed (``pending_reversal_prob``); payments after the
month; stalls that never pay; strangers' transfers into the market's account; and banks
that put their own words around the note, change its case or spacing, or cut it short.

``mistype_prob``, ``mistype_under_share``, ``pending_prob`` and ``pending_reversal_prob``
carry the names of the market simulator's parameters (``cashless.sim.params.Errors``)
and are taken here as plain arguments: ``fees`` does not import the simulator. The other
rates are assumptions of this module.

>>> cycle = simulate_fee_cycle(stalls=20, seed=1)
>>> len(cycle.registry_csv.splitlines()), cycle.credits[0].time[:7]
(21, '2026-12')
>>> set(cycle.truth_status.values()) <= {"over_paid", "paid", "partly_paid", "unpaid"}
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cashless.errors import UsageError, require_extra
from cashless.fees.codes import ALPHABET, is_valid_code, parse_period, payment_code
from cashless.fees.credits import VIETNAM, Credit

require_extra("sim", "numpy")

import numpy as np  # noqa: E402

__all__ = ["KINDS", "FeeCycle", "Truth", "simulate_fee_cycle"]

#: What really happened to a credit.
KINDS = (
    "clean",  # the issued code, the fee, once
    "mistyped_code",
    "no_code",
    "partial",
    "over",
    "double",  # a second payment of the same fee (over-paid)
    "duplicate",  # the same notification twice (same reference)
    "late",  # after the period's month
    "reversed",  # a pending credit that was finally reversed ...
    "reversal",  # ... and the debit that reverses it
    "stray",  # a stranger's transfer, no fee
)
_STREAMS = (
    "pays",
    "when",
    "channel",
    "code",
    "amount",
    "double",
    "duplicate",
    "pending",
    "bank",
    "stray",
    "payer",
)
_SURNAMES = ("NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "VU", "DANG", "BUI", "DO", "HO")
_GIVEN = ("LAN", "HOA", "MAI", "TUAN", "HUNG", "THAO", "MINH", "NGOC", "HAI", "TRAM", "BINH", "YEN")


@dataclass(frozen=True)
class Truth:
    """What really happened to one credit: its kind, the stall it was for, and whether a
    correct payment code was typed (the bank may still have cut it short)."""

    kind: str
    stall_id: str | None
    coded: bool


@dataclass
class FeeCycle:
    """A simulated cycle: the registry, the fees, the credits, and the truth about them."""

    period: str
    prefix: str
    amounts: dict[str, int]
    registry_csv: str
    credits: list[Credit]
    truth: dict[str, list[Truth]] = field(default_factory=dict)  # reference -> rows, in order
    truth_status: dict[str, str] = field(default_factory=dict)
    truth_received: dict[str, int] = field(default_factory=dict)


def _mistype(code: str, rng: np.random.Generator) -> str:
    while True:
        position = int(rng.integers(len(code) - 6, len(code)))  # the stall, period or check part
        if rng.random() < 0.5 and position < len(code) - 1:
            typed = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        else:
            typed = code[:position] + ALPHABET[int(rng.integers(36))] + code[position + 1 :]
        if typed != code and not is_valid_code(typed):
            return typed


def _bank_note(note: str, reference: str, account: str, name: str, rng: np.random.Generator) -> str:
    """The note as the payer's bank shows it: its own words around it, case, spaces, cut."""
    style = int(rng.integers(5))
    if style == 0:
        text = note
    elif style == 1:
        text = f"MBVCB.{reference[-8:]}.{note}.CT tu {account} {name} toi"
    elif style == 2:
        text = f"{name} chuyen tien {note.lower()}"
    elif style == 3:
        text = f"IBFT {' '.join(note[i : i + 4] for i in range(0, len(note), 4))}"
    else:
        text = f"TKThe :{account}, tai VCB. {note} -CTLNHIDI000{reference[-6:]}"
    if rng.random() < 0.05 and note in text:  # the bank cuts the note: the check, or more, lost
        text = text[: text.index(note) + len(note) - int(rng.integers(1, 3))]
    return text


def simulate_fee_cycle(
    *,
    stalls: int = 400,
    days: int = 30,
    period: str = "2026-12",
    amount: int = 50_000,
    prefix: str = "SIM",
    seed: int = 0,
    dynamic_share: float = 0.6,
    unpaid_prob: float = 0.05,
    late_prob: float = 0.04,
    code_mistype_prob: float = 0.04,
    missing_code_prob: float = 0.05,
    own_account_share: float = 0.8,
    mistype_prob: float = 0.015,
    mistype_under_share: float = 0.6,
    double_pay_prob: float = 0.01,
    duplicate_prob: float = 0.01,
    pending_prob: float = 0.005,
    pending_reversal_prob: float = 0.05,
    stray_share: float = 0.02,
) -> FeeCycle:
    """Simulate one period's fee payments by ``stalls`` stalls over ``days`` days.

    Rates are per stall (who pays, when, how) or per typed transfer (mistypes);
    ``pending_reversal_prob`` is the share of pending credits finally reversed.
    """
    if stalls < 1 or days < 1 or amount < 1000:
        raise UsageError(
            "stalls and days must be at least 1 and amount at least 1000", field="stalls"
        )
    year, month = parse_period(period)
    start = datetime(year, month, 1, 6, 0, tzinfo=VIETNAM)
    month_end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=VIETNAM)
    streams = dict(
        zip(
            _STREAMS,
            (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STREAMS))),
            strict=True,
        )
    )
    ids = [f"S{number:03d}" for number in range(1, stalls + 1)]
    payer = streams["payer"]
    accounts = {s: f"{1000000000 + number * 7919:010d}" for number, s in enumerate(ids, start=1)}
    names = {
        s: f"{_SURNAMES[int(payer.integers(10))]} THI {_GIVEN[int(payer.integers(12))]}"
        for s in ids
    }
    lines = ["stall_id,stall_name,vendor_name,bank,account"]
    lines += [f"{s},Quay {s},{names[s]},VCB,{accounts[s]}" for s in ids]
    cycle = FeeCycle(period, prefix, dict.fromkeys(ids, amount), "\n".join(lines) + "\n", [])
    rows: list[tuple[datetime, Credit, Truth]] = []
    counter = 0

    def add(
        when: datetime,
        value: int,
        note: str,
        truth: Truth,
        account: str,
        name: str,
        reference: str | None = None,
    ) -> str:
        nonlocal counter
        counter += 1
        ref = reference or f"FT{year % 100:02d}{month:02d}{counter:07d}"
        text = (
            note
            if truth.kind == "reversal"
            else _bank_note(note, ref, account, name, streams["bank"])
        )
        rows.append((when, Credit(when.isoformat(), value, text, ref, account, name), truth))
        return ref

    for stall in ids:
        code = payment_code(prefix, stall, period)
        if streams["pays"].random() < unpaid_prob:
            cycle.truth_status[stall] = "unpaid"
            cycle.truth_received[stall] = 0
            continue
        late = streams["when"].random() < late_prob
        offset = (
            (days + 1 + streams["when"].random() * 9) if late else streams["when"].random() * days
        )
        when = start + timedelta(days=float(offset))
        if when >= month_end and not late:
            when = month_end - timedelta(minutes=5)
        late = when >= month_end
        channel = streams["channel"]
        own = channel.random() < own_account_share
        account, name = (
            (accounts[stall], names[stall])
            if own
            else (f"9{int(channel.integers(10**9)):09d}", "NGUOI NHA")
        )
        kind, note, coded, value = "clean", code, True, amount
        if channel.random() >= dynamic_share:  # typed by hand: the code and the amount
            draw = streams["code"].random()
            if draw < code_mistype_prob:
                kind, note, coded = "mistyped_code", _mistype(code, streams["code"]), False
            elif draw < code_mistype_prob + missing_code_prob:
                kind, note, coded = "no_code", "phi cho thang", False
            money = streams["amount"]
            if money.random() < mistype_prob:
                under = money.random() < mistype_under_share
                slip = 1000 * int(money.integers(1, amount // 2000 + 1))
                value = amount - slip if under else amount + slip
                if kind == "clean":
                    kind = "partial" if under else "over"
        if late and kind == "clean":
            kind = "late"
        received = value
        if streams["pending"].random() < pending_prob:
            when += timedelta(hours=float(1 + streams["pending"].random() * 20))
            if streams["pending"].random() < pending_reversal_prob:
                ref = add(when, value, note, Truth("reversed", stall, coded), account, name)
                add(
                    when + timedelta(hours=2),
                    -value,
                    f"HOAN TIEN GD {ref}",
                    Truth("reversal", stall, False),
                    account,
                    name,
                )
                cycle.truth_status[stall] = "unpaid"
                cycle.truth_received[stall] = 0
                continue
        ref = add(when, value, note, Truth(kind, stall, coded), account, name)
        if streams["duplicate"].random() < duplicate_prob:
            rows.append((when, rows[-1][1], Truth("duplicate", stall, coded)))
        if streams["double"].random() < double_pay_prob:
            add(
                when + timedelta(minutes=3),
                amount,
                code,
                Truth("double", stall, True),
                account,
                name,
            )
            received += amount
        del ref
        cycle.truth_received[stall] = received
        cycle.truth_status[stall] = (
            "paid" if received == amount else ("partly_paid" if received < amount else "over_paid")
        )
    strays = streams["stray"]
    for _ in range(round(stray_share * stalls)):
        when = start + timedelta(days=float(strays.random() * days))
        value = 1000 * int(strays.integers(10, 500))
        add(
            when,
            value,
            "chuyen tien",
            Truth("stray", None, False),
            f"8{int(strays.integers(10**9)):09d}",
            "KHACH LA",
        )
    rows.sort(key=lambda row: row[0])
    cycle.credits = [credit for _, credit, _ in rows]
    for _, credit, truth in rows:
        cycle.truth.setdefault(credit.reference, []).append(truth)
    return cycle
