"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a
check character over the first 17 (modulo 31, with weights 3^i mod 31)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    return (code or "").strip().upper()


def validate_credit_code(value: str) -> None:
    code = normalise(value)
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="length")
    bad = sorted({c for c in code if c not in CHARSET})
    if bad:
        raise ValidationError(
            _("Not allowed in a credit code: %(chars)s (the letters I, O, S, V and Z are never used)."),
            params={"chars": " ".join(bad)},
            code="charset",
        )
    if not code[2:8].isdigit():
        raise ValidationError(_("Characters 3–8 must be the six-digit area code."), code="area")
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character does not match: the code has a typo."), code="check"
        )


def make_code(first17: str) -> str:
    """Complete 17 characters with their check character (for demo data and tests)."""
    return first17 + check_character(first17)
