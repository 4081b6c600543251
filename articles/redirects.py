"""Redirect rules: what a target may be, recording moved articles, CSV
import, and finding where an old path goes.

Open redirects are impossible: a target is either a site-relative path
(``/…``, never ``//…`` or ``/\\…``, which browsers read as another host) or
an ``http(s)`` URL whose host is in ``settings.REDIRECT_ALLOWED_HOSTS``. The
rule is checked when a redirect is saved *and* again when it is served.
"""

import csv
import io
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

CSV_MAX_ROWS = 50_000
CSV_COLUMNS = ("old_path", "new_path", "status_code")


def normalise_old_path(value: str) -> str:
    """Accept a full old URL or a path; keep path and query."""
    value = (value or "").strip()
    parts = urlsplit(value)
    path = parts.path or "/"
    if not path.startswith("/"):
        path = "/" + path
    return f"{path}?{parts.query}" if parts.query else path


def is_safe_target(url: str) -> bool:
    if not url or any(c in url for c in "\r\n\t\\"):
        return False
    if url.startswith("/"):
        return not url.startswith("//")
    allowed = set(getattr(settings, "REDIRECT_ALLOWED_HOSTS", []))
    return bool(allowed) and url_has_allowed_host_and_scheme(
        url, allowed_hosts=allowed, require_https=False
    ) and urlsplit(url).scheme in ("http", "https")


def check_target(url: str) -> None:
    if not is_safe_target(url):
        raise ValidationError(
            {
                "new_path": "Give a site-relative path starting with a single / or an "
                "http(s) URL on an allowed host (REDIRECT_ALLOWED_HOSTS)."
            }
        )


def target_of(redirect) -> str | None:
    """Where ``redirect`` sends readers now; None when the target is an
    article readers may not see or the stored target is unsafe."""
    if redirect.article_id:
        from articles.models import Article

        article = (
            Article.objects.public().select_related("section").filter(pk=redirect.article_id)
            .first()
        )
        return article.get_absolute_url() if article else None
    return redirect.new_path if is_safe_target(redirect.new_path) else None


def count_hit(redirect) -> None:
    type(redirect).objects.filter(pk=redirect.pk).update(
        hits=F("hits") + 1, last_hit_at=timezone.now()
    )


def record_redirect(old_path: str, article, *, note: str = "Address changed") -> None:
    """Keep ``old_path`` working after ``article`` moved (slug or section
    change). Pointing at the article, not its new path, means a later move
    needs no chain of redirects; a redirect *from* the new address (an older
    move being undone) is removed so that it cannot shadow the article."""
    from articles.models import Redirect

    new_path = article.get_absolute_url()
    if old_path == new_path:
        return
    Redirect.objects.filter(old_path=new_path).delete()
    Redirect.objects.update_or_create(
        old_path=old_path,
        defaults={"article": article, "new_path": "", "status_code": 301, "note": note},
    )


@dataclass
class CsvImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def import_redirects_csv(data: bytes, *, dry_run: bool = False) -> CsvImportResult:
    """Create or update redirects from CSV rows ``old_path,new_path[,status_code]``
    (an optional header row naming those columns is skipped). Every row is
    validated first; if any row is bad nothing is written and the errors are
    returned, one per bad line."""
    from articles.models import Redirect

    result = CsvImportResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append("The file is not UTF-8 text.")
        return result
    rows, seen = [], set()
    for line_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if line_no == 1 and row[0].strip().lower() == "old_path":
            continue
        if len(rows) >= CSV_MAX_ROWS:
            result.errors.append(f"More than {CSV_MAX_ROWS} rows; split the file.")
            break
        if len(row) < 2:
            result.errors.append(f"Line {line_no}: expected old_path,new_path[,status_code].")
            continue
        code = (row[2].strip() if len(row) > 2 else "") or "301"
        redirect = Redirect(
            old_path=normalise_old_path(row[0]),
            new_path=row[1].strip(),
            status_code=int(code) if code.isdigit() else 0,
            note="CSV import",
        )
        try:
            redirect.full_clean(validate_unique=False, validate_constraints=False)
            if redirect.status_code not in (301, 302):
                raise ValidationError({"status_code": "Use 301 or 302."})
        except ValidationError as error:
            messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            result.errors.append(f"Line {line_no}: {messages}")
            continue
        if redirect.old_path in seen:
            result.errors.append(f"Line {line_no}: {redirect.old_path} appears twice.")
            continue
        seen.add(redirect.old_path)
        rows.append(redirect)
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        existing = set(
            Redirect.objects.filter(old_path__in=seen).values_list("old_path", flat=True)
        )
        for redirect in rows:
            Redirect.objects.update_or_create(
                old_path=redirect.old_path,
                defaults={
                    "new_path": redirect.new_path,
                    "article": None,
                    "status_code": redirect.status_code,
                    "note": redirect.note,
                },
            )
        result.updated = len(existing)
        result.created = len(rows) - len(existing)
    return result
