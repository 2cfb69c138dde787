"""Small-group suppression: no figure in a report lets a reader single out a few complaints.

A provider's annual report is often published (in its annual accounts, on its
website). A group of fewer than ``THRESHOLD`` (5) complaints, say "2
complaints about privacy", can point at the people behind them, so such a
group is never shown on its own. The rule, for one breakdown (counts per
category, per channel, ...) whose total is shown:

1. **Zero is never shown.** A group with no complaints has no row; where a row
   is needed for another year's figure, its cell reads "–", the same mark as a
   suppressed cell. So a reader cannot tell an empty group from a hidden one.
2. **Primary suppression.** Every group with 1 to 4 complaints is merged into
   one "other" bucket. In the category breakdown the real category "other"
   (``other_key``) always goes into that bucket too, whatever its size.
3. **Secondary suppression.** The bucket is always known: it is the total
   minus the shown rows. When it holds a suppressed group and fewer than two
   non-empty parts (exactly one group suppressed, and the real "other" empty
   or absent, so that the bucket *equals* that one group), the smallest shown
   group (ties: the first by key) goes into the bucket as well, and this is
   repeated until the bucket has two non-empty parts or no group is left
   shown. With two or more non-empty parts, and zeros invisible (rule 1), the
   bucket's value can be split in more than one way: no suppressed group can
   be recovered by subtracting shown figures from the total.
4. **Aggregate-only groups.** Cases whose complainant did not consent to
   sharing, and confidant cases, are never in a breakdown; they count only in
   the year's total of all complaints. That total minus the shown total of
   shared complaints is their number, so it follows the same rule: when it is
   1 to 4, the total is shown as a range ("41-44") and that number as "<5".
5. **Statistics over few cases** (a median handling time) are shown only over
   at least ``THRESHOLD`` cases.

A comparison with another year compares shown figures only: a change is
given when both years show the group, so a hidden figure cannot be recovered
from a difference either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

THRESHOLD = 5
OTHER = "other"


@dataclass(frozen=True)
class Suppressed:
    """One breakdown after suppression: what may be shown, and what went into the bucket."""

    total: int
    shown: dict[str, int]
    # Every key merged into the bucket (primary, secondary and the real "other").
    bucket_keys: frozenset[str] = frozenset()
    bucket: int = 0
    primary: frozenset[str] = frozenset()
    secondary: frozenset[str] = frozenset()
    threshold: int = THRESHOLD
    parts: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def value(self, key: str) -> int | None:
        """The shown count for ``key``; None when it is zero or hidden (the reader cannot tell which)."""
        return self.shown.get(key)

    @property
    def has_bucket(self) -> bool:
        return self.bucket > 0


def suppress(
    counts: Mapping[str, int], *, threshold: int = THRESHOLD, other_key: str | None = None
) -> Suppressed:
    """Apply the module's rules 1-3 to one breakdown's ``counts`` (group key -> number of cases)."""
    nonzero = {key: int(value) for key, value in counts.items() if value}
    if any(value < 0 for value in nonzero.values()):
        raise ValueError("counts cannot be negative")
    total = sum(nonzero.values())
    parts: dict[str, int] = {}
    if other_key is not None and other_key in nonzero:
        parts[other_key] = nonzero.pop(other_key)
    primary = {key for key, value in nonzero.items() if value < threshold}
    if other_key in parts and parts[other_key] < threshold:
        primary.add(other_key)
    for key in primary:
        if key in nonzero:
            parts[key] = nonzero.pop(key)
    secondary: set[str] = set()
    while primary and len(parts) < 2 and nonzero:
        key = min(nonzero, key=lambda k: (nonzero[k], k))
        parts[key] = nonzero.pop(key)
        secondary.add(key)
    return Suppressed(
        total=total,
        shown=dict(nonzero),
        bucket_keys=frozenset(parts),
        bucket=sum(parts.values()),
        primary=frozenset(primary),
        secondary=frozenset(secondary),
        threshold=threshold,
        parts=parts,
    )


@dataclass(frozen=True)
class TotalWithRestricted:
    """The year's total of all complaints, with the shared ones and the aggregate-only rest (rule 4)."""

    shared: int
    restricted: int
    threshold: int = THRESHOLD

    @property
    def exact(self) -> bool:
        return self.restricted == 0 or self.restricted >= self.threshold

    @property
    def total(self) -> int | None:
        return self.shared + self.restricted if self.exact else None

    @property
    def total_range(self) -> tuple[int, int]:
        """What a reader may know of the total: exact, or the range a hidden small rest allows."""
        if self.exact:
            return self.shared + self.restricted, self.shared + self.restricted
        return self.shared + 1, self.shared + self.threshold - 1

    @property
    def restricted_shown(self) -> int | None:
        return self.restricted if self.exact else None


def statistic_allowed(n: int, *, threshold: int = THRESHOLD) -> bool:
    """A statistic over ``n`` cases may be shown (rule 5)."""
    return n >= threshold
