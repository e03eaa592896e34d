-- jixiao serve, PostgreSQL. The SQLite file is the same schema.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,            -- 'township' | 'county'
    unit TEXT NOT NULL,            -- 某某镇 / 某某县
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,      -- sha256 of the cookie value
    user_id BIGINT NOT NULL,
    csrf TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,   -- sha256 of the bearer token
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE submissions (
    id BIGSERIAL PRIMARY KEY,
    township TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,   -- unix milliseconds
    file_name TEXT NOT NULL,       -- as the clerk named it; shown, never a path
    sha256 TEXT NOT NULL,          -- the stored file is files/<sha256[0..2]>/<sha256>
    size BIGINT NOT NULL,
    requested_as_of TEXT,
    status TEXT NOT NULL,          -- 'ok' | 'error'
    message TEXT,
    as_of TEXT,
    project_count BIGINT,
    budget TEXT,
    paid TEXT,
    execution_rate TEXT,
    errors BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    report_json TEXT,
    monthly_json TEXT
);
CREATE INDEX submissions_township ON submissions (township, id);
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id BIGINT,
    user_name TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    ip TEXT
);
