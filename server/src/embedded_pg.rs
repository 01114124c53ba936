//! The private PostgreSQL cluster Latchkey runs when no DATABASE_URL is given: created
//! on first start in the data directory from the machine's own PostgreSQL binaries,
//! reused on the next, and stopped cleanly on shutdown. It listens on a Unix socket in
//! its own data folder only, never on the network.
//!
//! PostgreSQL refuses to run as root; when Latchkey is root, the cluster runs as the
//! `postgres` system user and its folder belongs to that user.

use anyhow::{bail, Context};
use sqlx::postgres::PgConnectOptions;
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

const SUPERUSER: &str = "latchkey";
const DATABASE: &str = "latchkey";

pub struct EmbeddedPostgres {
    bin: PathBuf,
    pgdata: PathBuf,
    as_postgres_user: bool,
    running: bool,
}

impl EmbeddedPostgres {
    /// Initialises the cluster if needed, starts it and returns how to connect. With
    /// `share`, a cluster that a running Latchkey started is used as it is (and left
    /// running): that is how `create-token` works beside a running server.
    pub fn start(data_dir: &Path, share: bool) -> anyhow::Result<(Self, PgConnectOptions)> {
        let bin = find_binaries().context(
            "no PostgreSQL server binaries (initdb, pg_ctl) were found on PATH or in \
             /usr/lib/postgresql/*/bin. Install PostgreSQL (Debian: apt-get install postgresql) \
             or set DATABASE_URL to an existing database",
        )?;
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
        let data_dir = data_dir.canonicalize()?;
        let pgdata = data_dir.join("postgres");
        let socket = pgdata.join(".s.PGSQL.5432");
        if socket.as_os_str().len() > 100 {
            bail!(
                "the data directory path {} is too long for a PostgreSQL socket; choose a \
                 shorter LATCHKEY_DATA_DIR",
                data_dir.display()
            );
        }
        let mut pg = Self {
            bin,
            pgdata,
            as_postgres_user: is_root(),
            running: false,
        };
        if pg.as_postgres_user {
            pg.hand_to_postgres_user(&data_dir)?;
        }
        if !pg.pgdata.join("PG_VERSION").exists() {
            pg.init()?;
        }
        let running = pg.ctl(&["status"])?.status.success();
        if running && share {
            let options = pg.maintenance_options().database(DATABASE);
            return Ok((pg, options));
        }
        if running {
            bail!(
                "the PostgreSQL cluster in {} is already running: is another Latchkey using \
                 this data directory?",
                pg.pgdata.display()
            );
        }
        let log = data_dir.join("postgres.log");
        let started = pg.ctl(&["-w", "-t", "60", "-l", &log.to_string_lossy(), "start"])?;
        if !started.status.success() {
            bail!(
                "PostgreSQL did not start: {}. See {}",
                String::from_utf8_lossy(&started.stderr).trim(),
                log.display()
            );
        }
        pg.running = true;
        tracing::info!(data = %pg.pgdata.display(), "embedded PostgreSQL started");
        let options = PgConnectOptions::new()
            .socket(&pg.pgdata)
            .username(SUPERUSER)
            .database(DATABASE);
        Ok((pg, options))
    }

    /// Options to reach the maintenance database, for creating Latchkey's own.
    pub fn maintenance_options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.pgdata)
            .username(SUPERUSER)
            .database("postgres")
    }

    pub const DATABASE: &'static str = DATABASE;

    /// A fast, clean shutdown: nothing committed is lost.
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        match self.ctl(&["-w", "-m", "fast", "stop"]) {
            Ok(out) if out.status.success() => tracing::info!("embedded PostgreSQL stopped"),
            Ok(out) => tracing::error!(
                "stopping PostgreSQL failed ({}): {} {}",
                out.status,
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => tracing::error!("stopping PostgreSQL failed: {e:#}"),
        }
        self.running = false;
    }

    fn init(&self) -> anyhow::Result<()> {
        tracing::info!(data = %self.pgdata.display(), "creating the embedded PostgreSQL cluster");
        let pgdata = self.pgdata.to_string_lossy();
        let out = self.run(
            "initdb",
            &[
                "-D",
                &pgdata,
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-instructions",
            ],
        )?;
        if !out.status.success() {
            bail!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        // No TCP at all: only a Unix socket inside the cluster's own (0700) folder.
        let settings = format!(
            "\n# Latchkey's embedded cluster\nlisten_addresses = ''\nunix_socket_directories = '{}'\n",
            pgdata.replace('\'', "''")
        );
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(self.pgdata.join("postgresql.conf"))?
            .write_all(settings.as_bytes())?;
        Ok(())
    }

    fn hand_to_postgres_user(&self, data_dir: &Path) -> anyhow::Result<()> {
        let owned = Command::new("chown")
            .arg("postgres:postgres")
            .arg(data_dir)
            .status()
            .context("chown is needed to hand the data directory to the postgres user")?;
        if !owned.success() {
            bail!(
                "Latchkey runs as root, and PostgreSQL must then run as the `postgres` system \
                 user, which does not exist here (or cannot own {}). Create it, run Latchkey \
                 as an ordinary user, or set DATABASE_URL",
                data_dir.display()
            );
        }
        let reachable = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-w"])
            .arg(data_dir)
            .status()?;
        if !reachable.success() {
            bail!(
                "the postgres user cannot reach {} (a parent folder is closed to it); choose \
                 another LATCHKEY_DATA_DIR or set DATABASE_URL",
                data_dir.display()
            );
        }
        Ok(())
    }

    fn ctl(&self, args: &[&str]) -> anyhow::Result<Output> {
        let pgdata = self.pgdata.to_string_lossy();
        let mut all = vec!["-D", &pgdata];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all)
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<Output> {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command
            .args(args)
            .env_remove("PGDATA")
            .env("LC_ALL", "C")
            .stdin(std::process::Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", program.display()))
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The folder holding initdb and pg_ctl: PATH first, then the newest of
/// /usr/lib/postgresql/*/bin.
fn find_binaries() -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has_all(d)) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, dir)| has_all(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
