from skaitykla import settings as project_settings


def test_production_hashes_passwords_and_pins_with_argon2():
    assert (
        project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
