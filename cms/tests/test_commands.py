import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_ensure_editor_generates_a_password_once_and_keeps_it(settings, tmp_path, capsys,
                                                              monkeypatch):
    monkeypatch.delenv("CMS_ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    call_command("ensure_editor")
    first = capsys.readouterr().out.rsplit(": ", 1)[1].strip()
    call_command("ensure_editor")
    second = capsys.readouterr().out.rsplit(": ", 1)[1].strip()
    assert first == second == (tmp_path / "admin-password").read_text().strip()
    user = User.objects.get(username="editor")
    assert user.is_superuser and user.is_staff and user.check_password(first)


def test_ensure_editor_takes_the_password_from_the_environment(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("CMS_ADMIN_PASSWORD", "from-the-env-123")
    call_command("ensure_editor")
    assert User.objects.get(username="editor").check_password("from-the-env-123")
    assert not (tmp_path / "admin-password").exists()


def test_admin_login_with_the_printed_password(client, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("CMS_ADMIN_PASSWORD", "printed-pass-456")
    settings.VAR_DIR = tmp_path
    call_command("ensure_editor")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "printed-pass-456"},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
