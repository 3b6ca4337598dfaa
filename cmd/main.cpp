// eddy's entry point: parses the command line (CLI11) and runs one subcommand.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "eddy: a stateful, exactly-once, event-time stream processor in one binary.\n"
      "Pipelines are YAML files (see README.md and PIPELINES.md)."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "show help for every subcommand");

  eddy::LocalOptions local;
  auto* local_cmd = app.add_subcommand(
      "local", "Run a pipeline on a mini cluster inside this process. Exits 0 when a bounded job "
               "finished, 1 when it failed, 2 when the pipeline file was refused, 130 on Ctrl-C.");
  local_cmd->add_option("PIPELINE", local.pipeline, "the pipeline file (YAML)")->required();
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
                      "continue from the latest completed checkpoint in the pipeline's "
                      "checkpoints.dir (start fresh when there is none). Without it a run starts "
                      "fresh and removes the checkpoints of earlier runs from that directory");
  local_cmd->add_flag("--savepoint-on-cancel", local.savepoint_on_cancel,
                      "on Ctrl-C or SIGTERM, stop the job with a savepoint (under "
                      "checkpoints.dir/savepoints) and print its path");
  auto* from_sp = local_cmd->add_option("--from-savepoint", local.from_savepoint,
                                        "start from this savepoint (or checkpoint) directory; the "
                                        "parallelism may differ from the one it was taken at");
  from_sp->excludes(local_cmd->get_option("--resume"));
  local_cmd->add_option("--inject-failure", local.inject_failures,
                        "for tests: make subtask SUBTASK (0-based) of the chain holding operator "
                        "NODE fail once RECORDS records entered it, in restart ATTEMPT (default 0, "
                        "the first run). Format NODE:SUBTASK:RECORDS[:ATTEMPT]; may repeat");

  eddy::LocalOptions bench;
  bench.bench = true;
  auto* bench_cmd = app.add_subcommand(
      "bench", "Run a pipeline locally and print benchmark figures: records/s, records per "
               "CPU-second (user+sys of this process) and peak resident memory.");
  bench_cmd->add_option("PIPELINE", bench.pipeline, "the pipeline file (YAML)")->required();
  bench_cmd->add_option("-p,--parallelism", bench.parallelism, "default parallelism")
      ->check(CLI::Range(1, 32768));

  std::string validate_path;
  int validate_parallelism = 0;
  auto* validate_cmd = app.add_subcommand(
      "validate", "Check a pipeline file and print its job graph: operators, chains, parallelism "
                  "and the partitioning of every edge. Exits 0, or 2 with the errors.");
  validate_cmd->add_option("PIPELINE", validate_path, "the pipeline file (YAML)")->required();
  validate_cmd->add_option("-p,--parallelism", validate_parallelism, "default parallelism")
      ->check(CLI::Range(1, 32768));

  auto* version_cmd = app.add_subcommand("version", "Print eddy's version and its libraries'.");

  CLI11_PARSE(app, argc, argv);

  if (*local_cmd) return eddy::run_local(local);
  if (*bench_cmd) return eddy::run_local(bench);
  if (*validate_cmd) return eddy::run_validate(validate_path, validate_parallelism);
  if (*version_cmd) return eddy::run_version();
  return eddy::kExitRefused;
}
