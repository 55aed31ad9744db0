"""Secret redaction: what must go (positives) and what must stay (negatives)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debugtui.export.redact import (
    _LINE_PATTERNS,
    _PEM,
    REDACTED,
    is_secret_key,
    redact,
    redact_data,
    redact_each,
    redact_row,
    redact_rows,
)

PEM = """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA7bq8Z1
c2VjcmV0c2VjcmV0
-----END RSA PRIVATE KEY-----"""

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

# (input, expected output)
POSITIVES = [
    (
        "postgresql://app:hunter2@db:5432/shop",
        "postgresql://app:[REDACTED]@db:5432/shop",
    ),
    ("redis://:s3cr3t@cache:6379/0", "redis://:[REDACTED]@cache:6379/0"),
    ("mysql://u:p@ss@h/db", "mysql://u:[REDACTED]@h/db"),
    (
        "host=db port=5432 user=app password=hunter2 dbname=shop",
        "host=db port=5432 user=app password=[REDACTED] dbname=shop",
    ),
    ("password='sec ret' host=db", "password='[REDACTED]' host=db"),
    ("Authorization: Bearer abc.def.ghi", "Authorization: [REDACTED]"),
    ("authorization: Basic dXNlcjpwYXNz", "authorization: [REDACTED]"),
    (
        'curl -H "Authorization: token ghp_abc123" https://api',
        'curl -H "Authorization: [REDACTED]" https://api',
    ),
    ("Cookie: session=9f8e7d6c", "Cookie: [REDACTED]"),
    ("sent Bearer 4f9a8b7c6d5e4f3a to api", "sent Bearer [REDACTED] to api"),
    (f"token was {JWT} ok", "token was [REDACTED] ok"),
    ("key AKIAIOSFODNN7EXAMPLE used", "key [REDACTED] used"),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key = [REDACTED]",
    ),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", "AWS_SECRET_ACCESS_KEY=[REDACTED]"),
    ("DB_PASSWORD=hunter2", "DB_PASSWORD=[REDACTED]"),
    ("export GITHUB_TOKEN=ghp_xyz", "export GITHUB_TOKEN=[REDACTED]"),
    ("STRIPE_SECRET=sk_live_123", "STRIPE_SECRET=[REDACTED]"),
    ("SENDGRID_API_KEY=SG.abc", "SENDGRID_API_KEY=[REDACTED]"),
    ("PGPASSWORD=hunter2 psql", "PGPASSWORD=[REDACTED] psql"),
    ('{"password": "hunter2", "user": "app"}', '{"password": "[REDACTED]", "user": "app"}'),
    ("password: hunter2", "password: [REDACTED]"),
    ("GET /cb?code=1&access_token=abc123&x=1", "GET /cb?code=1&access_token=[REDACTED]&x=1"),
    ("api_key=abcdef", "api_key=[REDACTED]"),
    ("client_secret => 'xyz'", "client_secret => '[REDACTED]'"),
    (PEM, "-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----"),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n(truncated",
        "-----BEGIN OPENSSH PRIVATE KEY-----[REDACTED]",
    ),
]

NEGATIVES = [
    "password=$DB_PASSWORD",
    "postgresql://app:${PGPASSWORD}@db/shop",
    "DB_PASSWORD=${DB_PASSWORD}",
    "password=<password>",
    "password: ***",
    "password=[REDACTED]",
    "password: {{ vault_password }}",
    "export DB_URL=${DB_URL:-postgresql://localhost/shop}",
    'FATAL: password authentication failed for user "app"',
    "the password is wrong",
    "max_tokens=4096",
    "sort_key=created_at cache_key=abc",
    "PWD=/home/oncall",
    "http://example.com:8080/path?q=1",
    "git@github.com:org/repo.git",
    "mail oncall@example.com",
    "the Bearer authentication scheme",
    "ALTER TABLE t ADD PRIMARY KEY (id)",
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQ\n-----END PUBLIC KEY-----",
    "commit 4f9a8b7c6d5e4f3a2b1c deployed",
    "AKIA is how AWS key ids start",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES)
def test_secret_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_non_secret_is_kept(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(("text", "_"), POSITIVES)
def test_redacting_twice_changes_nothing(text: str, _: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_secret_in_a_longer_text_leaves_the_rest() -> None:
    text = "14:02 app boot\nDATABASE_URL=postgresql://app:hunter2@db/shop\n14:03 502 on /pay"
    out = redact(text)
    assert "hunter2" not in out
    assert out.startswith("14:02 app boot\n")
    assert out.endswith("\n14:03 502 on /pay")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("DB_PASSWORD", True),
        ("api_key", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("token", True),
        ("user", False),
        ("sort_key", False),
        ("host", False),
    ],
)
def test_secret_keys_are_recognised(name: str, secret: bool) -> None:
    assert is_secret_key(name) is secret


def test_redact_data_redacts_by_key_and_by_content() -> None:
    data = {
        "password": "hunter2",
        "token": "$TOKEN",
        "params": {"dsn": "postgresql://u:pw@h/db", "rows": [["DB_PASSWORD=pw1", 3]]},
        "count": 7,
    }
    assert redact_data(data) == {
        "password": REDACTED,
        "token": "$TOKEN",
        "params": {
            "dsn": "postgresql://u:[REDACTED]@h/db",
            "rows": [["DB_PASSWORD=[REDACTED]", 3]],
        },
        "count": 7,
    }


def test_second_pass_over_a_cut_off_key_keeps_the_text_after_it() -> None:
    once = redact("-----BEGIN PRIVATE KEY-----\nMIIEvQ")
    assert redact(once + "\nnext line") == once + "\nnext line"


def whole_text_reference(text: str) -> str:
    """Redaction as the patterns define it: each applied in turn to the whole text, no
    prefilter (what :func:`redact` must stay equal to, however it gets there)."""
    text = _PEM.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    for pattern, replacement in _LINE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


LINES = (
    [text for text, _ in POSITIVES if "\n" not in text]
    + NEGATIVES
    + [
        "",
        "14:02 checkout latency up, pool saturation on replica 3",
        "- `2026-11-24 02:00:00` _reproduce_ · Note: 7: replica pool timeout",
        "PWD",
        "= hunter2",
        "paſſword=hunter2",
        "PASSWORD=hunter2 and KEY: abc",
        "AUTHORİZATION: Basic dXNlcjpwYXNz",
        "cookıe: a=b",
        "token=abc\r",
        "temporary ASIAIOSFODNN7EXAMPLE id",
        "long-lived AKIAIOSFODNN7EXAMPLE id",
        "PWD=hunter2",
        f"sent {JWT} upstream",
        "db: postgresql://u:pw@h/db api_key=zz Bearer 12345678.ab",
    ]
)


def test_a_long_document_is_redacted_line_by_line() -> None:
    lines = [LINES[(n * 7) % len(LINES)] for n in range(3 * len(LINES))]
    document = "\n".join(lines)
    assert redact(document) == "\n".join(redact(line) for line in lines)
    assert redact(document) == whole_text_reference(document)


def test_pem_blocks_spanning_lines_go_before_the_line_patterns() -> None:
    document = f"before password=a\n{PEM}\nafter token=b\n-----BEGIN PRIVATE KEY-----\nMIIE"
    assert redact(document) == whole_text_reference(document)
    assert redact(document) == (
        "before password=[REDACTED]\n"
        "-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----\n"
        "after token=[REDACTED]\n-----BEGIN PRIVATE KEY-----[REDACTED]"
    )


def test_letters_that_fold_unlike_lower_still_name_a_secret() -> None:
    # Case-insensitive matching takes "ſ" for "s" and "İ"/"ı" for "i"; so must the search
    # for lines worth matching, and "İ" (two characters when lower-cased) must not shift it.
    document = "İİİ note\npaſſword=hunter2\nİ\nAUTHORİZATION: Basic abc\ncookıe: session=1"
    assert redact(document) == whole_text_reference(document)
    assert "hunter2" not in redact(document)
    assert "Basic abc" not in redact(document)


@given(
    st.lists(
        st.one_of(
            st.sampled_from(LINES),
            st.text(alphabet="pwdPWDkeyKEY=: \t\r\"'_-.${}<>/@İıſ?&abc12", max_size=40),
        ),
        max_size=12,
    )
)
@settings(max_examples=300, deadline=None)
def test_redact_equals_the_patterns_applied_to_the_whole_text(lines: list[str]) -> None:
    document = "\n".join(lines)
    assert redact(document) == whole_text_reference(document)


TEXTS = st.lists(
    st.one_of(
        st.sampled_from([*LINES, PEM, PEM[:60], "-----BEGIN", "K\u212aey=abc"]),
        st.text(alphabet="pwdPWDkeyKEY=: \t\r\n\"'_-.${}<>/@İıſ\u212a?&abc12", max_size=40),
    ),
    max_size=12,
)


@given(TEXTS)
@settings(max_examples=300, deadline=None)
def test_redacting_many_texts_at_once_equals_redacting_each(texts: list[str]) -> None:
    assert redact_each(texts) == [redact(text) for text in texts]


@given(
    st.lists(st.sampled_from(["host", "password", "DB_TOKEN", "", "state"]), max_size=4),
    st.lists(st.lists(st.one_of(TEXTS.map("".join), st.integers()), max_size=5), max_size=6),
)
@settings(max_examples=200, deadline=None)
def test_redacting_a_table_at_once_equals_redacting_each_row(
    columns: list[str], rows: list[list[object]]
) -> None:
    expected = [redact_row(columns, row) for row in rows]  # type: ignore[arg-type]
    known: dict[str, str] = {}
    assert redact_rows(columns, rows) == expected
    assert redact_rows(columns, rows, known) == expected
    assert redact_rows(columns, rows, known) == expected  # now every text from ``known``


@given(TEXTS, st.sampled_from(["★", "▶ —", "\ud800", "é", "\u212a", "\u0130"]))
@settings(max_examples=100, deadline=None)
def test_a_long_document_past_ascii_is_redacted_as_the_patterns_define(
    lines: list[str], extra: str
) -> None:
    # Past 4,096 characters a text outside ASCII is searched as UTF-8 bytes (a lone
    # surrogate included), or as str when it holds a character folding to an ASCII letter.
    filler = [
        f"- `2026-11-24 02:00:{n % 60:02d}` _reproduce_ · {extra} Note: replica {n}"
        for n in range(80)
    ]
    document = "\n".join(filler[:40] + lines + filler[40:] + lines)
    assert len(document) > 4096
    assert redact(document) == whole_text_reference(document)
