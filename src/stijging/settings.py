"""One settings module, read from the environment.

DEBUG is off unless set on: every safeguard below hangs on it, so forgetting the variable gives the
production behaviour, never the demo's. With DEBUG off the module refuses to start on an insecure
default (secret key, demo mode, MFA, hosts), so a production deployment cannot forget one. `stijging
demo` and the tests (stijging.test_settings) turn DEBUG on themselves; the other defaults suit the demo
(SQLite under var/, console e-mail).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("STIJGING_VAR_DIR", PROJECT_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


INSECURE_SECRET_KEY = "insecure-demo-key-never-use-in-production"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Personal data features that need a legal basis are off unless the municipality turns them on.
STIJGING_ENABLE_BSN = env_bool("STIJGING_ENABLE_BSN", False)
# Whether a resident's copy of their file (AVG art. 15) and the log of who viewed it name the staff
# members, or only their organisation and role: the municipality's policy (NEN 7513 leaves it open).
STIJGING_EXPORT_STAFF_NAMES = env_bool("STIJGING_EXPORT_STAFF_NAMES", False)
STIJGING_REQUIRE_MFA = env_bool("STIJGING_REQUIRE_MFA", True)
STIJGING_DEMO = env_bool("STIJGING_DEMO", False)
STIJGING_AUDIT_ANCHOR_FILE = Path(env_str("STIJGING_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchor.log")))
# How many trusted reverse proxies stand before gunicorn (0: none; 1: e.g. nginx on the same host).
STIJGING_PROXY_HOPS = env_int("STIJGING_PROXY_HOPS", 0)
STIJGING_BASE_URL = env_str("STIJGING_BASE_URL", "http://127.0.0.1:8000")

if not DEBUG:
    # Production refuses to run on a default that is only fit for a demo.
    if SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 32+ characters when DEBUG is off.")
    if STIJGING_DEMO:
        raise ImproperlyConfigured("STIJGING_DEMO cannot be on when DEBUG is off: production never holds demo data.")
    if not STIJGING_REQUIRE_MFA:
        raise ImproperlyConfigured("STIJGING_REQUIRE_MFA must be on when DEBUG is off.")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts explicitly when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "stijging.privacy",
    "stijging.accounts",
    "stijging.registry",
    "stijging.instruments",
    "stijging.outreach",
    "stijging.cohesion",
    "stijging.conversations",
    "stijging.trajectories",
    "stijging.referrals",
    "stijging.monitoring",
    "stijging.core",
    "stijging.demo",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "stijging.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Right after WhiteNoise (which answers static files itself): every other response, redirects
    # of the middleware below included, is marked no-store.
    "stijging.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "stijging.privacy.middleware.AuditContextMiddleware",
    "stijging.api.middleware.ApiVersionMiddleware",
    "stijging.accounts.middleware.SessionTimeoutMiddleware",
    "stijging.accounts.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "stijging.urls"
WSGI_APPLICATION = "stijging.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stijging.core.context_processors.stijging",
            ],
        },
    },
    # The second engine: the fragments the template tags of conversations and monitoring render,
    # repeated hundreds of times on a page (stijging/core/jinja2.py says why). Its templates live in
    # templates/jinja2/ only; the Django engine above draws every page.
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "stijging.core.jinja2.environment"},
    },
]

# --- Database -----------------------------------------------------------------------------------
DEFAULT_SQLITE_PATH = VAR_DIR / "stijging.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}"), conn_max_age=env_int("CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL + busy_timeout + IMMEDIATE transactions: two requests never fail with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": env_str("STIJGING_TEST_SQLITE", "") or None}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Trigram lookups for tolerant name search (pg_trgm); SQLite takes a simpler path.
    INSTALLED_APPS.append("django.contrib.postgres")
    # When PostgreSQL restarts (issue 18): a kept connection is checked before a request reuses it,
    # so the first request after the restart does not fail on a dead one, and a connection attempt
    # gives up after a few seconds instead of holding a worker while the server cannot be reached;
    # the request then gets the 503 page (core.views.server_error). benchmarks/db_restart.py.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("CONN_HEALTH_CHECKS", True)
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 3)
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = env_bool("DB_SERVER_SIDE_BINDING", False)
    # Two planner settings for every connection of the application (the tick sets the second too):
    # - random_page_cost: PostgreSQL's default (4) prices a random read for spinning disks. On SSD,
    #   and with a region's working set in memory, it makes the planner read a whole table where an
    #   index reaches one area's rows: an area's figures of a past quarter read every residence of
    #   the region (60 ms a query) instead of the area's (4.5 ms). 1.1 is the usual value for SSD;
    #   set DB_RANDOM_PAGE_COST=4 on spinning disks.
    # - max_parallel_workers_per_gather: a page's query split over parallel workers takes the cores
    #   the other requests are served on, and makes a scan of the whole table look cheaper than the
    #   index (the same area query: 80 ms on three processes against 17 ms on one). 0 by default.
    # Decision 0008, "One area of a past period".
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"-c random_page_cost={float(env_str('DB_RANDOM_PAGE_COST', '1.1'))}"
        f" -c max_parallel_workers_per_gather={env_int('DB_PARALLEL_WORKERS_PER_QUERY', 0)}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by the server's workers and `stijging tick`: files under the var directory.
CACHES = {
    "default": {
        "BACKEND": "stijging.core.cache.SharedFileCache",
        "LOCATION": env_str("STIJGING_CACHE_DIR", str(VAR_DIR / "cache")),
        # Three sets of figures per area of a region (~130 areas) and the programme's: never culled.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}
# How long the programme home's figures are kept (seconds); `stijging tick` renews them (0: never kept).
STIJGING_FIGURES_MAX_AGE = env_int("STIJGING_FIGURES_MAX_AGE", 1800)
# Uploaded address files waiting between the import's preview and its confirmation (at most an hour;
# every new preview sweeps out the older ones). Shared by the server's workers, so on their host.
STIJGING_IMPORT_PREVIEW_DIR = Path(env_str("STIJGING_IMPORT_PREVIEW_DIR", str(VAR_DIR / "import-previews")))

# --- API (stijging.api) -------------------------------------------------------------------------
# Requests per API client (DRF throttling, counted in the cache above, shared by the workers).
STIJGING_API_RATE = env_str("STIJGING_API_RATE", "1200/min")
# Webhooks to plain http:// (a receiver on the developer's own machine); production posts https only.
STIJGING_WEBHOOK_ALLOW_HTTP = env_bool("STIJGING_WEBHOOK_ALLOW_HTTP", DEBUG)
REST_FRAMEWORK = {
    # Only API clients' tokens: a browser session never reaches the API (no CSRF-able surface).
    "DEFAULT_AUTHENTICATION_CLASSES": ["stijging.api.authentication.ApiClientAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["stijging.api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["stijging.api.throttling.ApiClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": STIJGING_API_RATE},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "stijging.api.problems.handler",
    "UNAUTHENTICATED_USER": None,
    # ISO 8601 (Logius), in the programme's time zone with its offset.
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stijging API",
    "DESCRIPTION": (
        "API v1 of Stijging for partner and municipal systems. Authenticate with the token your programme's "
        "administrator gave you: `Authorization: Bearer <token>` (never in a URL). Errors are problem details "
        "(RFC 9457, application/problem+json). Dates and times are ISO 8601. Lists are cursor-paginated: "
        "follow `next`. A change needs `If-Match` with the record's `ETag`. Webhooks (new referral, withdrawal, "
        "escalation) carry only the event, the referral's id and a link, signed: `X-Stijging-Signature: "
        "sha256=<HMAC-SHA256 of the raw body under the client's webhook secret>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The documentation page serves Swagger UI from this server (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "stijging.api.schema.add_problem_responses",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"ReferralStatusEnum": "stijging.referrals.states.ReferralStatus"},
}

# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "stijging.accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# allauth's rate limits are the brute-force throttle, per client address and per account (the
# e-mail typed, or the user for a second factor), each with a longer window behind the short one as
# back-off: 5 failures lock an account for 5 minutes, 20 in an hour for the hour, 50 in a day for
# the day. The refusal reads the same for an address that has no account.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip,300/h/ip",
    "login_failed": "10/m/ip,60/h/ip,5/5m/key,20/h/key,50/d/key",
    "reset_password": "20/m/ip,5/m/key",
}
# The client address behind STIJGING_PROXY_HOPS proxies: the same rule as the audit log's (the
# account adapter reads it from there; this is for allauth's own code that reads the setting).
ALLAUTH_TRUSTED_PROXY_COUNT = STIJGING_PROXY_HOPS
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Stijging"

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
# A session ends after this many seconds without a request (a tablet left on a kitchen table), beside
# the absolute SESSION_COOKIE_AGE since login; both are enforced by accounts.middleware.
STIJGING_IDLE_TIMEOUT = env_int("STIJGING_IDLE_TIMEOUT", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security headers ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    # The site's own host name and any name under it: nothing under the application's host is plain HTTP.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The HSTS preload list takes registrable domains (a municipality's example.nl), and that is the
# municipality's decision for all its sites, not this application's: it never sends `preload`.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content Security Policy without unsafe-inline or unsafe-eval (Django 6 built-in).
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    # WhiteNoise warns on every start when STATIC_ROOT is missing; in DEBUG it serves from the finders.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- E-mail -------------------------------------------------------------------------------------
# Django 6.1 mailers. EMAIL_BACKEND=smtp sends through EMAIL_HOST; the default prints to the console.
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("EMAIL_BACKEND", "console")
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": _EMAIL_BACKENDS.get(_email_backend, _email_backend)}}
if _email_backend == "smtp":
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": env_int("EMAIL_TIMEOUT", 30),
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Stijging <noreply@stijging.invalid>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
