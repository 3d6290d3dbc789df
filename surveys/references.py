"""Reference lines from published benchmarks, each with its source, to read a figure against.

Plain data: what other organisations score, as the guides quote it. They are context, not
goals (a target is the team's own, see ``surveys.targets``), and they are measured in other
ways than ours: the ACSI index is a 0-100 score from its own survey, not a % of satisfied
answers; SQM's FCR comes from post-call surveys, not from repeat contacts. The page names each
line's source so that a reader can judge how far it compares.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    name: str
    url: str


ACSI = Source(
    "American Customer Satisfaction Index (ACSI) industry scores, as listed in GetFeedback's "
    "“Customer Satisfaction Score (CSAT) Industry Benchmarks” (2019)",
    "https://www.getfeedback.com/resources/cx/customer-satisfaction-score-csat-industry-benchmarks/",
)
SQM = Source(
    "SQM Group, “FCR and Csat comparison by industry and call reason” (post-call surveys of "
    "over 500 North American call centres)",
    "https://sqmgroup.com/resources/library/blog/fcr-customer-satisfaction-comparison-industry-and-call-reason",
)
SQM_STANDARD = Source(
    "SQM Group, 2022 call centre FCR benchmark (good 70-79%, world class 80% or more)",
    "https://www.headlinesoftoday.com/topic/press-releases/sqms-2022-benchmark-research-uncovers-what-a-good-fcr-rate-is.html",
)
NPS_GUIDE = Source(
    "The support KPI guides' rule of thumb; Bain & Company, NPS's creator, calls above 50 "
    "excellent and 70 or more world class (as quoted by CustomerGauge, “What is a good Net "
    "Promoter Score”)",
    "https://customergauge.com/what-is-a-good-net-promoter-score",
)
CES_GUIDE = Source(
    "The support KPI guides' range for eCommerce support on the 1-7 scale; in general, "
    "scores above 5 are read as low effort (“Customer Effort Score benchmark”, "
    "latesttechupdates.com)",
    "https://www.latesttechupdates.com/customer-effort-score-benchmark-best-practices.html",
)


@dataclass(frozen=True)
class Reference:
    """A published figure for one KPI: a value, or a range ``low`` to ``high``."""

    #: The figure it is read against, as the dashboard names it (``csat``, ``fcr``…).
    kpi: str
    label: str
    low: float
    high: float
    source: Source

    @property
    def is_range(self) -> bool:
        return self.low != self.high


@dataclass(frozen=True)
class Industry:
    label: str
    #: The ACSI industry and its score, when the ACSI lists one.
    acsi: tuple[str, float] | None
    #: The SQM industry and its FCR %, when SQM reports one.
    sqm: tuple[str, float] | None


#: The industries ``FEEDBACK_INDUSTRY`` may name, each with the benchmarks that cover it.
INDUSTRIES: dict[str, Industry] = {
    "airlines": Industry("Airlines", ("Airlines", 75), None),
    "apparel": Industry("Apparel", ("Apparel", 77), ("Retail", 78)),
    "banks": Industry("Banks", ("Banks", 78), ("Financial", 71)),
    "consumer_shipping": Industry("Consumer shipping", ("Consumer Shipping", 77), None),
    "credit_unions": Industry("Credit unions", ("Credit Unions", 77), ("Financial", 71)),
    "department_stores": Industry(
        "Department and discount stores", ("Department and Discount Stores", 76), ("Retail", 78)
    ),
    "energy": Industry("Energy utilities", ("Cooperative Energy Utilities", 73), ("Energy", 72)),
    "health_insurance": Industry(
        "Health insurance", ("Health Insurance", 72), ("Health Insurance", 72)
    ),
    "hospitals": Industry("Hospitals", ("Hospitals", 69), None),
    "hotels": Industry("Hotels", ("Hotels", 76), None),
    "insurance": Industry("Insurance", None, ("Insurance", 76)),
    "internet_retail": Industry("Internet retail", ("Internet Retail", 81), ("Retail", 78)),
    "internet_service_providers": Industry(
        "Internet service providers", ("Internet Service Providers", 65), ("Telco", 61)
    ),
    "restaurants": Industry("Full-service restaurants", ("Full-Service Restaurants", 79), None),
    "software": Industry("Computer software", ("Computer Software", 76), ("Tech Support", 65)),
    "telephone_service": Industry(
        "Fixed-line telephone service", ("Fixed-Line Telephone Service", 70), ("Telco", 61)
    ),
}

#: The lines that hold whatever the industry.
GENERAL: tuple[Reference, ...] = (
    Reference("fcr", "Good FCR (SQM standard)", 70, 79, SQM_STANDARD),
    Reference("fcr", "World-class FCR (SQM standard)", 80, 80, SQM_STANDARD),
    Reference("fcr", "FCR of inquiry calls (SQM call reason)", 74, 74, SQM),
    Reference("nps", "Strong NPS", 60, 70, NPS_GUIDE),
    Reference("ces", "Good CES for eCommerce", 5.0, 5.5, CES_GUIDE),
)


def references(industry: str | None) -> list[Reference]:
    """Every reference line, the chosen industry's first (none without an industry)."""
    lines = []
    chosen = INDUSTRIES.get(industry or "")
    if chosen and chosen.acsi:
        name, score = chosen.acsi
        lines.append(Reference("csat", f"CSAT, {name} (ACSI score)", score, score, ACSI))
    if chosen and chosen.sqm:
        name, score = chosen.sqm
        lines.append(Reference("fcr", f"FCR, {name} call centres (SQM)", score, score, SQM))
    return lines + list(GENERAL)
