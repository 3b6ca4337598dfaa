// eddy's entry point: parses the command line (CLI11) and runs one subcommand.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include "cmd/cluster_options.h"
#include "cmd/commands.h"
#include "expr/udf.h"

namespace {

const char* const kExitCodesHelp =
    "Exit codes: 0 done (a bounded job finished; a command succeeded), 1 the job failed or the job "
    "manager could not be reached, 2 the pipeline file or command line was refused (nothing ran), "
    "3 a second Ctrl-C stopped the process at once, 130 Ctrl-C or 143 SIGTERM canceled the job (after "
    "a savepoint with --savepoint-on-cancel).\nRun 'eddy COMMAND --help' for a command's options.";

/// `eddy`, `eddy --version` and `eddy NOT-A-COMMAND`, before CLI11 parses:
/// returns the exit code when one of them was handled, -1 otherwise.
int early_answer(int argc, char** argv, const CLI::App& app) {
  if (argc == 1) {
    std::printf("%s", app.help().c_str());
    return eddy::kExitOk;
  }
  const std::string first = argv[1];
  if (first == "--version" || first == "-V") return eddy::run_version();
  if (first.empty() || first[0] == '-') return -1;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->get_name() == first) return -1;
  std::fprintf(stderr, "eddy: '%s' is not an eddy command. Commands: local, bench, validate, version, "
                       "jobmanager, taskmanager, run, list, status, cancel, savepoint, sample, stacks (eddy --help says "
                       "what each does)\n", first.c_str());
  return eddy::kExitRefused;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "eddy: a stateful, exactly-once, event-time stream processor in one binary.\n"
      "Pipelines are YAML files (docs/pipelines.md describes every key) or Flink SQL scripts (docs/sql.md); "
      "configs/ has examples."};
  app.name("eddy");
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "show help for every subcommand");
  app.footer(kExitCodesHelp);

  const char* kPipelineHelp = "the pipeline: a YAML file (docs/pipelines.md) or a Flink SQL script ending in .sql "
                              "(docs/sql.md)";
  const char* kInitHelp = "a SQL script whose statements run first, as Flink's SQL client's -i (its tables "
                          "and views, say); may repeat";
  // As Flink's SQL client's -l finds jars: where CREATE FUNCTION finds a class name.
  auto add_library_option = [](CLI::App* cmd) {
    cmd->add_option_function<std::vector<std::string>>(
           "-l,--library", [](const std::vector<std::string>& paths) { eddy::expr::add_udf_path(paths); },
           "a shared library, or a directory of them, where CREATE FUNCTION f AS 'a.b.Class' finds the C "
           "function a_b_Class (include/eddy_udf.h); adds to EDDY_UDF_PATH, as Flink's SQL client's -l adds "
           "jars; may repeat")
        ->allow_extra_args(false);
  };
  eddy::LocalOptions local;
  auto* local_cmd = app.add_subcommand(
      "local", "Run a pipeline on a mini cluster inside this process. Exits 0 when a bounded job "
               "finished, 1 when it failed, 2 when the pipeline file was refused, 130 on Ctrl-C "
               "(143 on SIGTERM), 3 when a second Ctrl-C stopped it at once.");
  local_cmd->add_option("PIPELINE", local.pipeline, kPipelineHelp)->required();
  local_cmd->add_option("-i,--init", local.init, kInitHelp)->allow_extra_args(false);
  add_library_option(local_cmd);
  local_cmd->add_option("-p,--parallelism", local.parallelism,
                        "default parallelism of every operator (overrides the file's 'parallelism'; "
                        "operators that set their own keep it)")
      ->check(CLI::Range(1, 32768));
  local_cmd->add_option("--taskmanagers", local.taskmanagers,
                        "task managers to simulate in this process (default 1)")
      ->check(CLI::Range(1, 1024));
  local_cmd->add_option("--slots", local.slots,
                        "slots per task manager (default: enough for the job's largest parallelism)")
      ->check(CLI::Range(1, 32768));
  local_cmd->add_flag("-q,--quiet", local.quiet, "do not print the per-operator summary");
  local_cmd->add_flag("--resume", local.resume,
                      "continue the last run in the pipeline's checkpoints.dir from its newest "
                      "checkpoint that verifies (start it over when it completed none; refuse, "
                      "deleting nothing, when it has checkpoints and none verifies). Without it a run "
                      "starts fresh, beside earlier runs' checkpoints, which it never deletes");
  local_cmd->add_flag("--savepoint-on-cancel", local.savepoint_on_cancel,
                      "on Ctrl-C or SIGTERM, stop the job with a savepoint (under "
                      "checkpoints.dir/savepoints) and print its path");
  auto* from_sp = local_cmd->add_option("--from-savepoint", local.from_savepoint,
                                        "start from this savepoint (or checkpoint) directory; the "
                                        "parallelism may differ from the one it was taken at");
  from_sp->excludes(local_cmd->get_option("--resume"));
  local_cmd->add_flag("-n,--allow-non-restored-state", local.allow_non_restored_state,
                      "with --from-savepoint: skip the savepoint's state of operators the pipeline no longer "
                      "has (each is named on stderr) instead of refusing to start")
      ->needs(from_sp);
  local_cmd->add_option("--inject-failure", local.inject_failures,
                        "for tests: make subtask SUBTASK (0-based) of the chain holding operator "
                        "NODE fail once RECORDS records entered it, in restart ATTEMPT (default 0, "
                        "the first run). Format NODE:SUBTASK:RECORDS[:ATTEMPT]; may repeat");
  local_cmd->add_option("--web-ui", local.web_ui,
                        "serve the REST API (docs/monitoring.md) and the web UI at [HOST:]PORT while the job "
                        "runs; HOST defaults to 127.0.0.1 (this host only), PORT 0 picks a free port. The URL "
                        "is printed on stderr");
  local_cmd->add_option("--prometheus-prefix", local.prometheus_prefix,
                        "with --web-ui: the prefix of GET /metrics series names (default flink, as Flink's "
                        "PrometheusReporter)");

  eddy::LocalOptions bench;
  bench.bench = true;
  auto* bench_cmd = app.add_subcommand(
      "bench", "Run a pipeline locally and print benchmark figures: records/s, records per "
               "CPU-second (user+sys of this process and of the processes it forked to pack heap "
               "snapshots) and peak resident memory. 'eddy bench nexmark' runs the Nexmark suite "
               "(configs/nexmark, docs/nexmark.md) with exactly-once checkpoints every 10 s and prints "
               "a table beside the best published per-core figures.");
  bench_cmd->add_option("PIPELINE", bench.pipeline, "the pipeline file (YAML) or SQL script (.sql), or 'nexmark' for the suite")
      ->required();
  bench_cmd->add_option("-i,--init", bench.init, kInitHelp)->allow_extra_args(false);
  add_library_option(bench_cmd);
  bench_cmd->add_option("-p,--parallelism", bench.parallelism, "default parallelism")
      ->check(CLI::Range(1, 32768));
  eddy::BenchCompareOptions compare;
  bench_cmd->add_option("--against", compare.against,
                        "a baseline pipeline (say, the same job without checkpoints): runs it and "
                        "PIPELINE alternately, each run in a fresh process, and prints the medians "
                        "and how far PIPELINE's are from the baseline's");
  bench_cmd->add_option("--runs", compare.runs,
                        "runs of PIPELINE (and of the baseline), each in a fresh process; prints "
                        "every run and the medians (default 1: one run in this process)")
      ->check(CLI::Range(1, 1000));

  eddy::BenchNexmarkOptions nexmark;
  auto* events_opt = bench_cmd->add_option("--events", nexmark.events,
                                           "nexmark: generator events of each query (default 10000000)")
                         ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  auto* queries_opt = bench_cmd->add_option("--queries", nexmark.queries,
                                            "nexmark: the queries to run, comma-separated (default: all), e.g. q0,q5");
  auto* dir_opt = bench_cmd->add_option("--dir", nexmark.dir,
                                        "nexmark: the folder of query files (default: configs/nexmark in the "
                                        "working directory, else beside the binary's build folder)");
  auto* sql_opt = bench_cmd->add_flag("--sql", nexmark.sql,
                                      "nexmark: run the Flink SQL scripts (configs/nexmark-sql, each after its "
                                      "ddl.sql) instead of the pipeline files; the same table");

  std::string validate_path;
  int validate_parallelism = 0;
  auto* validate_cmd = app.add_subcommand(
      "validate", "Check a pipeline file and print its job graph: operators, chains, parallelism "
                  "and the partitioning of every edge. Exits 0, or 2 with the errors.");
  validate_cmd->add_option("PIPELINE", validate_path, kPipelineHelp)->required();
  std::vector<std::string> validate_init;
  validate_cmd->add_option("-i,--init", validate_init, kInitHelp)->allow_extra_args(false);
  add_library_option(validate_cmd);
  validate_cmd->add_option("-p,--parallelism", validate_parallelism, "default parallelism")
      ->check(CLI::Range(1, 32768));

  std::vector<std::string> sql_init;
  auto* sql_cmd = app.add_subcommand(
      "sql", "A SQL shell, as Flink's SQL client: reads statements from the terminal or stdin; keeps SET, tables "
             "and views; runs each SELECT (rows shown as they come, op first; Ctrl-C stops the query, not the "
             "shell), INSERT and EXPLAIN as a local job (docs/sql.md). HELP; lists the commands.");
  sql_cmd->add_option("-i,--init", sql_init, kInitHelp)->allow_extra_args(false);
  add_library_option(sql_cmd);

  auto* version_cmd = app.add_subcommand("version", "Print eddy's version and its libraries'.");

  // -- cluster roles (docs/cluster.md) --
  eddy::ClusterFlags jm_flags;
  auto* jm_cmd = app.add_subcommand(
      "jobmanager", "Run a cluster's job manager: task managers register with it, clients submit jobs to "
                    "its REST API. Needs the cluster secret (EDDY_CLUSTER_SECRET or cluster.secret). Runs "
                    "until SIGINT/SIGTERM.");
  jm_cmd->add_option("--rpc-bind", jm_flags.rpc_bind,
                     "HOST:PORT where task managers connect (default 127.0.0.1:6123: this host only; another "
                     "address without tls: prints a warning)");
  jm_cmd->add_option("--rest", jm_flags.rest_bind, "HOST:PORT of the REST API (default 127.0.0.1:8081)");
  jm_cmd->add_option("--checkpoint-dir", jm_flags.checkpoint_dir,
                     "a directory every host sees (a shared mount): jobs' relative checkpoints.dir go under it");
  jm_cmd->add_option("--config", jm_flags.config_file, "cluster config file (YAML, see configs/cluster/)");

  eddy::ClusterFlags tm_flags;
  auto* tm_cmd = app.add_subcommand(
      "taskmanager", "Run a task manager: registers its slots with the job manager and runs the subtasks "
                     "deployed to it. Proves it knows the cluster secret (EDDY_CLUSTER_SECRET or cluster.secret) "
                     "without sending it.");
  tm_cmd->add_option("--jobmanager", tm_flags.jobmanager, "HOST:PORT of the job manager's rpc endpoint");
  tm_cmd->add_option("--slots", tm_flags.slots, "task slots offered (default 1)")->check(CLI::Range(1, 32768));
  tm_cmd->add_option("--name", tm_flags.name, "name shown by GET /taskmanagers (default HOSTNAME-PID)");
  tm_cmd->add_option("--connect-timeout", tm_flags.connect_timeout_s,
                     "seconds to keep trying to reach the job manager, at start and after losing it (default 30)")
      ->check(CLI::Range(0, 86400));
  tm_cmd->add_option("--config", tm_flags.config_file, "cluster config file (YAML, see configs/cluster/)");

  eddy::ClientOptions client;
  const char* jm_help = "REST address of the job manager: HOST:PORT (default 127.0.0.1:8081), or "
                        "https://HOST:PORT when it serves TLS. A bearer token is sent from EDDY_REST_TOKEN";
  const char* ca_help = "with https: the CA certificate (PEM) that signed the job manager's REST "
                        "certificate (default: the system's CAs)";
  auto add_client_options = [&](CLI::App* cmd) {
    cmd->add_option("--jobmanager,-m", client.jobmanager, jm_help);
    cmd->add_option("--ca", client.ca, ca_help)->envname("EDDY_REST_CA");
  };
  auto* run_cmd = app.add_subcommand(
      "run", "Submit a pipeline to a cluster's job manager; prints the job id on the last line of stdout.");
  run_cmd->add_option("PIPELINE", client.pipeline, kPipelineHelp)->required();
  add_client_options(run_cmd);
  run_cmd->add_option("-i,--init", client.init, kInitHelp)->allow_extra_args(false);
  add_library_option(run_cmd);
  run_cmd->add_option("-p,--parallelism", client.parallelism, "default parallelism")->check(CLI::Range(1, 32768));
  auto* run_sp = run_cmd->add_option("--from-savepoint", client.from_savepoint,
                                     "start from this savepoint (or checkpoint) directory, as the job manager sees it");
  run_cmd->add_flag("-n,--allow-non-restored-state", client.allow_non_restored_state,
                    "with --from-savepoint: skip the savepoint's state of operators the pipeline no longer has "
                    "(each is named on stderr) instead of refusing the job")
      ->needs(run_sp);
  run_cmd->add_flag("--wait", client.wait, "follow the job until it ends; exit 0 when it finished, 1 otherwise");
  auto* list_cmd = app.add_subcommand("list", "List the cluster's jobs: id, state, name.");
  add_client_options(list_cmd);
  auto* status_cmd = app.add_subcommand("status", "Show a job's state, per-operator metrics and checkpoints.");
  status_cmd->add_option("JOB", client.job, "the job id")->required();
  add_client_options(status_cmd);
  status_cmd->add_flag("--json", client.json, "print the REST API's JSON as it is");
  auto* cancel_cmd = app.add_subcommand("cancel", "Cancel a job; with --savepoint stop it with a savepoint.");
  cancel_cmd->add_option("JOB", client.job, "the job id")->required();
  add_client_options(cancel_cmd);
  cancel_cmd->add_flag("--savepoint", client.savepoint, "take a savepoint first and print its path");
  auto* savepoint_cmd = app.add_subcommand("savepoint", "Take a savepoint of a running job and print its path.");
  savepoint_cmd->add_option("JOB", client.job, "the job id")->required();
  add_client_options(savepoint_cmd);
  auto* sample_cmd = app.add_subcommand(
      "sample", "Print the last rows a vertex of a running job emitted (a sink vertex: the rows its sink received), "
                "with their changelog kind, subtask and time: GET /jobs/{id}/vertices/{vid}/sample.");
  sample_cmd->add_option("JOB", client.job, "the job id")->required();
  sample_cmd->add_option("VERTEX", client.vertex, "the vertex: its id, its index in the plan, or an operator in it")
      ->required();
  sample_cmd->add_option("--rows", client.rows, "rows to show (default 20, at most 100)")->check(CLI::Range(1, 100));
  add_client_options(sample_cmd);
  auto* stacks_cmd = app.add_subcommand(
      "stacks", "Print what each subtask of a vertex of a running job is doing now, and the native stack of the "
                "thread running it, taken without stopping anything: GET /jobs/{id}/vertices/{vid}/stacks.");
  stacks_cmd->add_option("JOB", client.job, "the job id")->required();
  stacks_cmd->add_option("VERTEX", client.vertex, "the vertex: its id, its index in the plan, or an operator in it")
      ->required();
  add_client_options(stacks_cmd);

  if (const int code = early_answer(argc, argv, app); code >= 0) return code;
  CLI11_PARSE(app, argc, argv);

  if (*local_cmd) return eddy::run_local(local);
  if (*sql_cmd) return eddy::run_sql_shell(sql_init);
  const bool suite = *bench_cmd && bench.pipeline == "nexmark" && !std::filesystem::is_regular_file("nexmark");
  if (*bench_cmd && !suite && (events_opt->count() + queries_opt->count() + dir_opt->count() + sql_opt->count()) > 0) {
    std::fprintf(stderr, "eddy bench: --events, --queries, --dir and --sql are for 'eddy bench nexmark'\n");
    return eddy::kExitRefused;
  }
  if (suite) {
    if (!compare.against.empty()) {
      std::fprintf(stderr, "eddy bench nexmark: --against compares two pipeline files; not the suite\n");
      return eddy::kExitRefused;
    }
    nexmark.runs = compare.runs;
    nexmark.parallelism = bench.parallelism;
    return eddy::run_bench_nexmark(nexmark);
  }
  if (*bench_cmd && (compare.runs > 1 || !compare.against.empty())) {
    compare.pipeline = bench.pipeline;
    compare.init = bench.init;
    compare.parallelism = bench.parallelism;
    return eddy::run_bench_compare(compare);
  }
  if (*bench_cmd) return eddy::run_local(bench);
  if (*validate_cmd) return eddy::run_validate(validate_path, validate_init, validate_parallelism);
  if (*version_cmd) return eddy::run_version();
  if (*jm_cmd) return eddy::run_jobmanager(jm_flags);
  if (*tm_cmd) return eddy::run_taskmanager(tm_flags);
  if (*run_cmd) return eddy::run_submit(client);
  if (*list_cmd) return eddy::run_list(client);
  if (*status_cmd) return eddy::run_status(client);
  if (*cancel_cmd) return eddy::run_cancel(client);
  if (*savepoint_cmd) return eddy::run_savepoint(client);
  if (*sample_cmd) return eddy::run_sample(client);
  if (*stacks_cmd) return eddy::run_stacks(client);
  return eddy::kExitRefused;
}
