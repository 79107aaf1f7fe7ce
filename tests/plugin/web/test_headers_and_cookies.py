"""What the app tells the browser: cookie attributes for a cross-site frame, CSP, no caching;
and the `alliance` command's refusal of a bad configuration."""

from __future__ import annotations

from plugin.cli import main
from tests.support.app_client import EHR, SMART_CONFIG, app_over


def test_over_https_the_browser_cookie_works_in_a_cross_site_frame(tmp_path):
    client, _ = app_over("https://alliance.example", tmp_path)
    answer = client.get("/launch", query_string={"iss": EHR, "launch": "abc"})
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned"):
        assert attribute in cookie
    check = client.get(answer.headers["Location"])  # did the cookie come back? it did
    assert check.headers["Location"].startswith(SMART_CONFIG["authorization_endpoint"])


def test_over_plain_http_the_cookie_is_lax_and_never_secure(tmp_path):
    client, _ = app_over("http://127.0.0.1:8080", tmp_path)
    cookie = client.get("/launch", query_string={"iss": EHR}).headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "Secure" not in cookie


def test_every_page_carries_the_csp_and_no_referrer(tmp_path):
    client, transport = app_over("https://alliance.example", tmp_path)
    for path in ("/healthz", "/launch?iss=https://other.example/fhir", "/panel/nope"):
        answer = client.get(path)
        csp = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors https://ehr.example" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cache-Control"] == "no-store"
    assert client.get("/panel/nope").status_code == 403
    assert not [r for r in transport.sent if "other.example" in (r.url or "")]


def test_alliance_serve_refuses_to_start_with_a_bad_configuration(monkeypatch, capsys):
    for name in ("ALLIANCE_PUBLIC_URL", "ALLIANCE_CLIENT_ID", "ALLIANCE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALLIANCE_ALLOWED_ISS", "not a url")
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "ALLIANCE_PUBLIC_URL" in err and "ALLIANCE_ALLOWED_ISS: not an http(s) URL" in err


def test_alliance_serve_refuses_to_start_with_an_unknown_instrument(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("ALLIANCE_CONFIG", raising=False)
    for name, value in {"PUBLIC_URL": "https://app.example", "CLIENT_ID": "c",
                        "ALLOWED_ISS": "https://ehr.example/fhir",
                        "SECRET_KEY": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
                        "DATA_DIR": str(tmp_path), "INSTRUMENTS": "srs,wai-typo"}.items():
        monkeypatch.setenv(f"ALLIANCE_{name}", value)
    assert main(["serve", "--port", "0"]) == 2
    assert "ALLIANCE_INSTRUMENTS names 'wai-typo'" in capsys.readouterr().err


def test_alliance_serve_refuses_to_start_with_a_bad_norms_file(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("ALLIANCE_CONFIG", raising=False)
    norms = tmp_path / "norms.json"
    norms.write_text('[{"instrument": "https://alliance-panel.org/fhir/Questionnaire/srs", '
                     '"rater": "client", "scales": {"total": {"cutoff": '
                     '{"value": 45, "source": "ours"}}}}]')
    for name, value in {"PUBLIC_URL": "https://app.example", "CLIENT_ID": "c",
                        "ALLOWED_ISS": "https://ehr.example/fhir",
                        "SECRET_KEY": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
                        "DATA_DIR": str(tmp_path), "NORMS_FILE": str(norms)}.items():
        monkeypatch.setenv(f"ALLIANCE_{name}", value)
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "ALLIANCE_NORMS_FILE" in err
    assert "cut-off 45 for total is outside the scale's 0 to 40" in err
