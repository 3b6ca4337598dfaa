// The subcommands of the eddy binary, one file each in cmd/. main.cpp parses
// the command line with CLI11 and calls these.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace eddy {

/// Exit statuses shared by every command.
enum ExitCode : int {
  kExitOk = 0,
  kExitJobFailed = 1,
  kExitRefused = 2,       // the pipeline file (or the command line) was refused; nothing ran
  kExitForced = 3,        // a second Ctrl-C stopped the process at once: no savepoint, no summary
  kExitCanceled = 130,    // Ctrl-C (SIGINT) canceled the job
  kExitTerminated = 143,  // SIGTERM canceled the job
};

struct LocalOptions {
  std::string pipeline;
  std::vector<std::string> init;  // SQL init scripts (-i), run before the pipeline's statements
  int parallelism = 0;    // 0: as the pipeline file says
  int taskmanagers = 1;
  int slots = 0;          // per task manager; 0: enough for the job
  bool quiet = false;     // no summary table
  bool bench = false;     // print benchmark figures (eddy bench)
  bool resume = false;               // continue from the latest checkpoint in checkpoints.dir
  bool savepoint_on_cancel = false;  // Ctrl-C / SIGTERM stop the job with a savepoint
  std::string from_savepoint;        // a savepoint (or checkpoint) directory to start from
  bool allow_non_restored_state = false;  // skip state of operators the pipeline lacks (-n)
  std::vector<std::string> inject_failures;  // NODE:SUBTASK:RECORDS[:ATTEMPT]
  std::string web_ui;  // [HOST:]PORT: serve the REST API and web UI there (loopback by default); empty: none
  std::string prometheus_prefix = "flink";  // GET /metrics series names (metrics.prometheus.prefix)
};

/// `eddy bench PIPELINE --runs N [--against BASELINE]`: runs in child processes.
struct BenchCompareOptions {
  std::string pipeline;
  std::vector<std::string> init;  // SQL init scripts (-i) of both pipelines
  std::string against;  // a baseline pipeline, run alternately with `pipeline`; may be empty
  int runs = 1;
  int parallelism = 0;  // 0: as the files say
};

/// `eddy bench nexmark`: every query file of configs/nexmark (docs/nexmark.md).
struct BenchNexmarkOptions {
  std::string dir;                // the query files; empty: configs/nexmark here or beside the binary
  std::string queries;            // comma-separated (q0,q5); empty: all
  int64_t events = 10'000'000;    // generator events per source of each query
  int runs = 1;                   // runs per query, each in a fresh process; the median is shown
  int parallelism = 0;            // 0: as the files say
  bool sql = false;               // the SQL scripts of configs/nexmark-sql (with their ddl.sql) instead
};

/// The cluster client's options (eddy run, list, status, cancel, savepoint).
struct ClientOptions {
  std::string jobmanager = "127.0.0.1:8081";  // the job manager's REST address: [http://|https://]HOST:PORT
  std::string ca;              // https: the CA file that signed the job manager's certificate (EDDY_REST_CA)
  std::string pipeline;        // run
  std::vector<std::string> init;  // run: SQL init scripts (-i)
  int parallelism = 0;         // run
  std::string from_savepoint;  // run
  bool allow_non_restored_state = false;  // run: skip state of operators the pipeline lacks (-n)
  bool wait = false;           // run: follow the job until it ends
  std::string job;             // status, cancel, savepoint
  bool savepoint = false;      // cancel
  bool json = false;           // status
  std::string vertex;          // sample, stacks: the vertex (id, index or operator name)
  int rows = 20;               // sample
};

struct ClusterFlags;

int run_local(const LocalOptions& options);
int run_bench_compare(const BenchCompareOptions& options);
int run_bench_nexmark(const BenchNexmarkOptions& options);
int run_jobmanager(const ClusterFlags& flags);
int run_taskmanager(const ClusterFlags& flags);
int run_submit(const ClientOptions& options);
int run_list(const ClientOptions& options);
int run_status(const ClientOptions& options);
int run_cancel(const ClientOptions& options);
int run_savepoint(const ClientOptions& options);
/// `eddy sample JOB VERTEX`, `eddy stacks JOB VERTEX` (cmd/client_probe.cpp).
int run_sample(const ClientOptions& options);
int run_stacks(const ClientOptions& options);
/// `eddy sql`: the SQL shell (cmd/sql_shell.cpp); `init` scripts run first.
int run_sql_shell(const std::vector<std::string>& init);
int run_validate(const std::string& pipeline, const std::vector<std::string>& init, int parallelism);
int run_version();

}  // namespace eddy
