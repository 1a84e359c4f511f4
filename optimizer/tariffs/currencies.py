"""ISO 4217 currency codes a tariff may be priced in: the codes of circulating currencies.

Fund, precious-metal and test codes (``XAU``, ``XTS``, ``XXX``, ...) are left out: no supplier prices
electricity in them. A made-up code such as ``XYZ`` is refused with a sentence naming it.
"""

from __future__ import annotations

ISO_4217: frozenset[str] = frozenset({
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC",
    "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD",
    "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL",
    "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC",
    "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
})  # fmt: skip


#: The codes a typo is most likely meant to be (the shipped tariffs' and their neighbours'), in that order.
COMMON: tuple[str, ...] = (
    "GBP", "EUR", "USD", "AUD", "NZD", "CAD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "BGN",
    "JPY", "CNY", "INR", "ZAR", "BRL", "MXN", "SGD", "HKD", "ILS", "TRY",
)  # fmt: skip


def _suggestion(code: str) -> str | None:
    """A common code with the same letters (``GPB`` → ``GBP``) or one letter apart (``EUO`` → ``EUR``)."""
    for known in COMMON:
        if sorted(known) == sorted(code):
            return known
    for known in COMMON:
        if len(known) == len(code) and sum(a != b for a, b in zip(known, code, strict=True)) == 1:
            return known
    return None


def currency_problem(code: str) -> str | None:
    """None for a known ISO 4217 code, else the sentence (without the file) saying what is wrong."""
    if code in ISO_4217:
        return None
    upper = code.upper()
    if upper in ISO_4217:
        return f"{code!r} must be written in capitals: {upper!r}"
    guess = _suggestion(upper)
    near = f" (did you mean {guess!r}?)" if guess else ""
    return f"{code!r} is not an ISO 4217 currency code (such as 'GBP', 'EUR', 'USD' or 'AUD'){near}"
