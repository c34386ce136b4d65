"""The CyberTipline API's documented rules that its XSD does not express (appendices A-C).

NCMEC's schema types every text as a plain `xs:string` and every time as `xs:dateTime`, but the
documentation limits lengths, asks for valid URLs and IP addresses, and wants every time in the
past with a time zone (section 7.3). NCMEC refuses a document that breaks them (code 4100), so
Takedown fits its voluntary values to them before it builds a report (`case_report`), and the
sandbox checks every posted document against them (`violations`).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from urllib.parse import urlsplit

from lxml import etree

# Documented maximum lengths, by element path (matched at the end of the element's path).
MAX_CHARS: dict[str, int] = {
    "incidentSummary/platform": 256,
    "incidentSummary/escalateToHighPriority": 3000,
    "incidentSummary/incidentDateTimeDescription": 3000,
    "webPageIncident/url": 2083,
    "lawEnforcement/agencyName": 255,
    "lawEnforcement/caseNumber": 100,
    "firstName": 100,
    "lastName": 100,
    "phone": 50,
    "email": 255,
    "reporter/legalURL": 2083,
    "espIdentifier": 255,
    "espService": 100,
    "screenName": 256,
    "displayName": 255,
    "profileUrl": 2083,
    "deviceId/idType": 255,
    "deviceId/idValue": 2083,
    "fileDetails/originalFileName": 2056,
    "fileDetails/locationOfFile": 2083,
    "details/nameValuePair/name": 64,
}
EMAIL_LOCAL_PART_MAX = 64
URL_ELEMENTS = ("webPageIncident/url", "reporter/legalURL", "profileUrl", "locationOfFile")
# xs:dateTime elements the documentation says "must be in the past".
PAST_TIMES = ("incidentDateTime", "dateTime", "uploadedToEspTimestamp")


def fits(value: str | None, limit: int) -> bool:
    return value is None or len(value) <= limit


def is_valid_url(value: str) -> bool:
    """What the API calls "a valid URL": a scheme and a host, nothing a URL cannot hold."""
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc)


def is_valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True


def _path(element: etree._Element) -> str:
    names = [element.tag]
    for ancestor in element.iterancestors():
        names.append(ancestor.tag)
    return "/".join(reversed(names))


def _matches(path: str, rule: str) -> bool:
    return path == rule or path.endswith("/" + rule)


def _time_problem(path: str, text: str, now: datetime) -> str | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return f"{path}: {text!r} is not an ISO 8601 date and time"
    if value.tzinfo is None:
        return f"{path}: {text!r} has no time zone (Z or +hh:mm, section 7.3)"
    if any(_matches(path, rule) for rule in PAST_TIMES) and value > now:
        return f"{path}: {text!r} must be in the past"
    return None


def violations(root: etree._Element, *, now: datetime) -> list[str]:
    """Every documented rule `root` (a <report> or <fileDetails>) breaks; empty when none."""
    problems: list[str] = []
    if root.tag == "report" and root.find("reporter/reportingPerson/email") is None:
        problems.append("reporter/reportingPerson needs an email")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        path, text = _path(element), element.text or ""
        for rule, limit in MAX_CHARS.items():
            if _matches(path, rule) and len(text) > limit:
                problems.append(f"{path}: longer than {limit} characters ({len(text)})")
        if any(_matches(path, rule) for rule in URL_ELEMENTS) and not is_valid_url(text):
            problems.append(f"{path}: {text[:80]!r} is not a valid URL")
        if _matches(path, "ipCaptureEvent/ipAddress") and not is_valid_ip(text):
            problems.append(f"{path}: {text[:80]!r} is not an IPv4 or IPv6 address")
        if _matches(path, "incidentSummary/escalateToHighPriority") and not text.strip():
            problems.append(f"{path}: must not be blank")
        if element.tag == "email":
            local, at, domain = text.partition("@")
            if not (at and local and domain) or len(local) > EMAIL_LOCAL_PART_MAX:
                problems.append(f"{path}: {text[:80]!r} is not a well-formed email address")
        if element.tag in PAST_TIMES:
            problem = _time_problem(path, text, now)
            if problem:
                problems.append(problem)
    return problems
