// `eddy local PIPELINE` (and `eddy bench`): a job manager, task managers and the
// job's subtasks in one actor system. Submits the pipeline, shows progress on a
// terminal, cancels on Ctrl-C, prints the summary, and maps the outcome to an exit code.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include <filesystem>

#include "actors/job_manager.h"
#include "actors/rest_server.h"
#include "checkpoint/checkpoint_storage.h"
#include "actors/messages.h"
#include "actors/task_manager.h"
#include "cmd/commands.h"
#include "cmd/stop_signals.h"
#include "core/time_util.h"
#include "plan/job_graph.h"
#include "state/local_state_dir.h"

namespace eddy {
namespace {

// How long the actors get to stop once the job has ended before the process
// exits anyway (a subtask may be blocked in a write to a stalled pipe).
constexpr int kShutdownGraceSeconds = 5;

struct LocalConfig : caf::actor_system_config {
  LocalConfig() {
    eddy::add_message_types(*this);
    apply_scheduler_defaults(*this);
  }
};

std::string format_bytes(int64_t bytes) {
  char buf[32];
  if (bytes < 1024) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else if (bytes < (1 << 20)) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  else if (bytes < (1LL << 30)) std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  else std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1LL << 30));
  return buf;
}

/// User and system CPU of this process and of its ended children: the
/// processes that pack heap snapshots (runtime/forked_state_file.h).
double cpu_seconds() {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage ru{};
    getrusage(who, &ru);
    total += static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
             static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  return total;
}

long peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/// Records read by all sources so far.
uint64_t source_records(const JobGraph& graph, const JobResult& r) {
  uint64_t n = 0;
  for (size_t i = 0; i < graph.nodes.size() && i < r.metrics.size(); ++i)
    if (graph.nodes[i].kind == NodeKind::kSource) n += r.metrics[i].records_out;
  return n;
}

void print_summary(const JobGraph& graph, const JobResult& r, double cpu, bool bench) {
  const double secs = static_cast<double>(r.duration_us) / 1e6;
  const uint64_t records = source_records(graph, r);
  std::fprintf(stderr, "job '%s' %s in %s\n", graph.spec.name.c_str(), r.state.c_str(),
               format_duration_us(r.duration_us).c_str());
  if (!r.message.empty()) std::fprintf(stderr, "  %s\n", r.message.c_str());
  std::fprintf(stderr, "%s", render_metrics_table(r.metrics, r.parallelism, r.load).c_str());
  if (!r.load.empty())
    std::fprintf(stderr, "busy%%, backp%%: of the vertex's time over the run; in q, out q: its input and output "
                         "buffer usage, averaged over the run's samples\n");
  if (!r.health.empty()) std::fprintf(stderr, "%s\n", r.health.c_str());  // the monitor's last diagnosis
  for (const auto& m : r.metrics)
    if (m.skipped > 0)
      std::fprintf(stderr, "'%s' skipped %llu malformed records (on_error: skip)\n", m.name.c_str(),
                   static_cast<unsigned long long>(m.skipped));
  for (const auto& m : r.metrics)
    if (m.lookup_hits + m.lookup_misses + m.lookup_timeouts > 0)
      std::fprintf(stderr, "'%s' lookups: %llu cache hits, %llu cache misses, %llu timeouts, %llu rows with NULLs "
                           "after a timeout\n", m.name.c_str(), static_cast<unsigned long long>(m.lookup_hits),
                   static_cast<unsigned long long>(m.lookup_misses), static_cast<unsigned long long>(m.lookup_timeouts),
                   static_cast<unsigned long long>(m.lookup_null_rows));
  const CheckpointStats& ck = r.checkpoints;
  if (!ck.restored_from.empty()) std::fprintf(stderr, "restored from %s\n", ck.restored_from.c_str());
  if (ck.completed > 0 || ck.failed > 0 || ck.restarts > 0) {
    std::fprintf(stderr,
                 "checkpoints: %lld completed, %lld failed, %d restarts; duration avg %s, max %s; "
                 "last size %s full, %s incremental; alignment max %s\n",
                 static_cast<long long>(ck.completed), static_cast<long long>(ck.failed), ck.restarts,
                 format_duration_us(ck.completed ? ck.total_duration_us / ck.completed : 0).c_str(),
                 format_duration_us(ck.max_duration_us).c_str(), format_bytes(ck.last_full_bytes).c_str(),
                 format_bytes(ck.last_incremental_bytes).c_str(),
                 format_duration_us(ck.max_alignment_us).c_str());
  }
  const double rate = secs > 0 ? static_cast<double>(records) / secs : 0;
  const double per_cpu = cpu > 0 ? static_cast<double>(records) / cpu : 0;
  std::fprintf(stderr, "source records: %llu, %.0f records/s, %.0f records per CPU-second "
                       "(%.2fs CPU), peak RSS %.1f MiB\n",
               static_cast<unsigned long long>(records), rate, per_cpu, cpu,
               static_cast<double>(peak_rss_kib()) / 1024.0);
  if (bench) {
    std::printf("pipeline=%s records=%llu seconds=%.3f records_per_s=%.0f cpu_s=%.3f "
                "records_per_cpu_s=%.0f peak_rss_mib=%.1f\n",
                graph.spec.name.c_str(), static_cast<unsigned long long>(records), secs, rate, cpu,
                per_cpu, static_cast<double>(peak_rss_kib()) / 1024.0);
    // Before a slow shutdown may end the process with _Exit (exit_if_stuck): the
    // figures go to a pipe that `eddy bench --runs` and `bench nexmark` read.
    std::fflush(stdout);
  }
}

/// True when a print sink writes the job's rows to stdout.
bool prints_rows(const JobGraph& graph) {
  for (const auto& sink : graph.spec.sinks)
    if (sink.type == SinkType::kPrint) return true;
  return false;
}

/// Asks the job manager to stop the job with a savepoint without blocking the
/// caller's loop: the answer comes to `client` as (savepoint_atom, taken,
/// path or error), and the loop still sees the job end (jobdone) if the job
/// ends first. The caller kills the returned helper when it shuts down.
caf::actor request_stop_with_savepoint(caf::actor_system& sys, const caf::actor& jm, uint64_t job_id,
                                       const caf::actor& client) {
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    self->request(jm, caf::infinite, savepoint_atom::value, job_id, true)
        .then(
            [=](const std::string& path) {
              self->send(client, savepoint_atom::value, true, path);
              self->quit();
            },
            [=](caf::error& err) {
              self->send(client, savepoint_atom::value, false, self->system().render(err));
              self->quit();
            });
    return {[](cancel_atom) {}};  // nothing but the answer above
  });
}

/// Waits until every task manager has registered its slots.
bool await_slots(caf::scoped_actor& self, const caf::actor& jm, int32_t expected) {
  for (int attempt = 0; attempt < 500; ++attempt) {
    int32_t have = 0;
    self->request(jm, std::chrono::seconds(5), slots_count_atom::value)
        .receive([&](int32_t n) { have = n; }, [&](caf::error&) {});
    if (have >= expected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

/// --web-ui [HOST:]PORT: the job manager's REST API and web UI, on loopback
/// unless a host is given. Null with a message when it cannot be served.
Result<std::unique_ptr<RestServer>> serve_web_ui(caf::actor_system& sys, const caf::actor& jm, const LocalOptions& opt) {
  RestOptions o;
  std::string port = opt.web_ui;
  if (const size_t colon = opt.web_ui.rfind(':'); colon != std::string::npos) {
    o.host = opt.web_ui.substr(0, colon);
    port = opt.web_ui.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535)
    return Status::invalid("--web-ui " + opt.web_ui + ": expected [HOST:]PORT, e.g. 8081 or 127.0.0.1:0");
  o.port = static_cast<uint16_t>(std::stoi(port));
  o.prometheus_prefix = opt.prometheus_prefix;
  return RestServer::start(sys, jm, o);
}

int run_job(caf::actor_system& sys, const JobGraph& graph, const LocalOptions& opt,
            const JobSubmission& submission, int32_t slots) {
  caf::scoped_actor self{sys};
  auto jm = spawn_job_manager(sys);
  std::unique_ptr<RestServer> web;  // stops (at return) before the actor system does
  if (!opt.web_ui.empty()) {
    auto started = serve_web_ui(sys, jm, opt);
    if (!started.ok()) {
      std::fprintf(stderr, "%s\n", started.status().message().c_str());
      self->send_exit(jm, caf::exit_reason::user_shutdown);
      return kExitRefused;
    }
    web = std::move(started).value();
    std::fprintf(stderr, "eddy: web UI and REST API on %s\n", web->describe().c_str());
  }
  std::vector<caf::actor> tms;
  for (int i = 0; i < opt.taskmanagers; ++i)
    tms.push_back(spawn_task_manager(sys, jm, TaskManagerOptions{slots, "local-tm-" + std::to_string(i)}));
  caf::actor stopper;  // asks for a stop with a savepoint (request_stop_with_savepoint)
  auto shutdown = [&] {
    if (stopper) self->send_exit(stopper, caf::exit_reason::kill);
    for (auto& tm : tms) self->send_exit(tm, caf::exit_reason::user_shutdown);
    self->send_exit(jm, caf::exit_reason::user_shutdown);
  };
  if (!await_slots(self, jm, slots * opt.taskmanagers)) {
    std::fprintf(stderr, "task managers did not register in time\n");
    shutdown();
    return kExitJobFailed;
  }
  uint64_t job_id = 0;
  std::string submit_error;
  bool refused = false;
  self->request(jm, std::chrono::seconds(30), submit_atom::value, submission,
                caf::actor_cast<caf::actor>(self))
      .receive(
          [&](const JobAccepted& accepted) {
            job_id = accepted.id;
            for (const auto& note : accepted.notes) std::fprintf(stderr, "%s\n", note.c_str());
          },
               [&](caf::error& err) {
                 refused = err == caf::sec::invalid_argument;
                 submit_error = error_text(sys, err);
               });
  if (job_id == 0) {
    std::fprintf(stderr, "the job manager %s the job: %s\n", refused ? "refused" : "did not accept",
                 submit_error.c_str());
    shutdown();
    return refused ? kExitRefused : kExitJobFailed;
  }

  // On a terminal the progress line would land inside a print sink's rows.
  const bool progress = !opt.quiet && isatty(STDERR_FILENO) && !(isatty(STDOUT_FILENO) && prints_rows(graph));
  const double cpu_start = cpu_seconds();
  auto last_progress = std::chrono::steady_clock::now();
  uint64_t last_records = 0;
  bool cancel_sent = false;
  JobResult result;
  bool done = false;
  while (!done) {
    self->receive(
        [&](jobdone_atom, const JobResult& r) {
          result = r;
          done = true;
        },
        [&](savepoint_atom, bool taken, const std::string& why) {
          if (taken) return;  // the job ends (CANCELED, with the savepoint's path) right after
          // The job ended first (job master, job manager): jobdone follows.
          if (why.find("before the savepoint was taken") != std::string::npos) return;
          std::fprintf(stderr, "the savepoint failed: %s; canceling without one\n", why.c_str());
          self->send(jm, cancel_atom::value, job_id);
        },
        caf::after(std::chrono::milliseconds(100)) >> [&] {});
    if (stop_signal() != 0 && !cancel_sent) {
      cancel_sent = true;
      const char* why = stop_signal() == SIGINT ? "Ctrl-C" : "SIGTERM";
      if (opt.savepoint_on_cancel) {
        std::fprintf(stderr, "\nstopping job %llu with a savepoint (%s; press Ctrl-C again to exit at once)...\n",
                     static_cast<unsigned long long>(job_id), why);
        // The job ends once the savepoint is complete; if it cannot be taken, cancel.
        stopper = request_stop_with_savepoint(sys, jm, job_id, caf::actor_cast<caf::actor>(self));
      } else {
        std::fprintf(stderr, "\ncanceling job %llu (%s; press Ctrl-C again to exit at once)...\n",
                     static_cast<unsigned long long>(job_id), why);
        self->send(jm, cancel_atom::value, job_id);
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (progress && !done && now - last_progress >= std::chrono::seconds(1)) {
      self->request(jm, std::chrono::seconds(1), metrics_atom::value, job_id)
          .receive(
              [&](const JobResult& r) {
                const uint64_t records = source_records(graph, r);
                const double dt = std::chrono::duration<double>(now - last_progress).count();
                std::fprintf(stderr, "\r%s: %llu records, %.0f records/s    ", graph.spec.name.c_str(),
                             static_cast<unsigned long long>(records),
                             static_cast<double>(records - last_records) / dt);
                last_records = records;
              },
              [&](caf::error&) {});
      last_progress = now;
    }
  }
  if (progress) std::fprintf(stderr, "\r%*s\r", 70, "");
  if (!result.checkpoints.savepoint_path.empty())
    std::printf("savepoint: %s\n", result.checkpoints.savepoint_path.c_str());
  else if (opt.savepoint_on_cancel && cancel_sent && result.state == "FINISHED")
    // A stop requested as the input ended: nothing is left to save, and the output is complete.
    std::fprintf(stderr, "the job finished before the savepoint was taken: its output is complete, no savepoint\n");
  const double cpu = cpu_seconds() - cpu_start;
  if (!opt.quiet) print_summary(graph, result, cpu, opt.bench);
  else if (result.state != "FINISHED")
    std::fprintf(stderr, "job '%s' %s: %s\n", graph.spec.name.c_str(), result.state.c_str(),
                 result.message.c_str());
  shutdown();
  if (result.state == "FINISHED") return kExitOk;
  if (result.state == "CANCELED") return stop_signal() == SIGTERM ? kExitTerminated : kExitCanceled;
  return kExitJobFailed;
}

std::optional<InjectedFault> parse_fault(const std::string& spec) {
  std::vector<std::string> parts;
  size_t from = 0;
  for (size_t at; (at = spec.find(':', from)) != std::string::npos; from = at + 1)
    parts.push_back(spec.substr(from, at - from));
  parts.push_back(spec.substr(from));
  if (parts.size() < 3 || parts.size() > 4 || parts[0].empty()) return std::nullopt;
  try {
    InjectedFault f;
    f.node = parts[0];
    f.subtask = std::stoi(parts[1]);
    f.records = std::stoll(parts[2]);
    f.attempt = parts.size() == 4 ? std::stoi(parts[3]) : 0;
    if (f.subtask < 0 || f.records < 0 || f.attempt < 0) return std::nullopt;
    return f;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// --resume: continues the last run of `root` from its newest checkpoint
/// that verifies, or starts it over when it completed none. Refuses (deleting
/// nothing) when the run has checkpoints and none verifies. Sets `resumed`
/// when the last run goes on; false: there is none (a new one must start).
int resume_last_run(const std::string& root, const LocalOptions& opt, JobSubmission& submission, bool& resumed) {
  resumed = false;
  auto run = CheckpointStorage::current_run(root);
  if (!run.ok()) {
    std::fprintf(stderr, "%s: %s\n", opt.pipeline.c_str(), run.status().message().c_str());
    return kExitRefused;
  }
  CheckpointStorage storage(root, run->first_id);
  std::vector<std::string> warnings;
  auto latest = storage.latest(warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "%s\n", w.c_str());
  if (!latest.ok()) {
    std::fprintf(stderr, "%s\n", latest.status().message().c_str());
    return kExitRefused;
  }
  if (!*latest && !storage.completed_ids().empty()) {
    std::fprintf(stderr, "%s: --resume: no checkpoint of the last run in %s verifies (see above). Nothing was run "
                         "and nothing deleted: fix what is wrong (a mount, permissions) and resume again, or resume "
                         "from an older one with --from-savepoint DIR, or run without --resume to start over\n",
                 opt.pipeline.c_str(), root.c_str());
    return kExitRefused;
  }
  if (run->tag.empty()) {  // no run recorded: nothing to go on with
    std::fprintf(stderr, "no completed checkpoint in %s; starting fresh\n", root.c_str());
    return kExitOk;
  }
  resumed = true;
  submission.first_checkpoint_id = run->first_id;
  submission.run_tag = run->tag;
  (void)storage.remove_incomplete();
  if (*latest) {
    submission.restore_path = (*latest)->first;
    std::fprintf(stderr, "resuming from checkpoint %lld in %s\n", static_cast<long long>((*latest)->second.id),
                 submission.restore_path.c_str());
  } else {
    std::fprintf(stderr, "the last run in %s completed no checkpoint; starting it over\n", root.c_str());
  }
  return kExitOk;
}

/// Where the job starts: a savepoint, the last run (--resume), or fresh. A
/// fresh start or a savepoint starts a new run in checkpoints.dir, above the
/// checkpoints earlier runs left, which stay.
int choose_start(const JobGraph& graph, const LocalOptions& opt, JobSubmission& submission) {
  const std::string& root = graph.spec.checkpoints.dir;
  if (opt.savepoint_on_cancel && root.empty()) {
    std::fprintf(stderr, "%s: --savepoint-on-cancel needs checkpoints.dir in the pipeline file "
                         "(savepoints go to its savepoints/ folder)\n", opt.pipeline.c_str());
    return kExitRefused;
  }
  if (root.empty() && opt.resume) {
    std::fprintf(stderr, "%s: --resume needs checkpoints.dir in the pipeline file\n", opt.pipeline.c_str());
    return kExitRefused;
  }
  submission.restore_path = opt.from_savepoint;
  if (root.empty()) return kExitOk;
  if (opt.resume) {
    bool resumed = false;
    const int code = resume_last_run(root, opt, submission, resumed);
    if (code != kExitOk || resumed) return code;
  }
  auto run = CheckpointStorage::start_run(root);
  if (!run.ok()) {
    std::fprintf(stderr, "%s: %s\n", opt.pipeline.c_str(), run.status().message().c_str());
    return kExitRefused;
  }
  submission.first_checkpoint_id = run->first_id;
  submission.run_tag = run->tag;
  return kExitOk;
}

}  // namespace

int run_local(const LocalOptions& opt) {
  install_stop_signals();  // first: a stop requested while the job starts is a stop too
  std::string text;
  Status read = read_pipeline_files(opt.pipeline, opt.init, text);
  if (!read.is_ok()) {
    std::fprintf(stderr, "%s\n", read.message().c_str());
    return kExitRefused;
  }
  PlanOptions plan;
  plan.parallelism = opt.parallelism;
  plan.files = FileChecks::kSourcesAndSinks;  // everything runs on this host
  auto graph = load_pipeline_text(opt.pipeline, text, plan);
  if (!graph.ok()) {
    std::fprintf(stderr, "%s%s: refused; nothing was run\n", graph.status().message().c_str(),
                 opt.pipeline.c_str());
    return kExitRefused;
  }
  for (const std::string& plan_text : (*graph)->explained) std::printf("== EXPLAIN ==\n%s\n", plan_text.c_str());
  if ((*graph)->nodes.empty()) return kExitOk;  // a script of EXPLAINs only
  JobSubmission submission{opt.pipeline, text, opt.parallelism};
  submission.allow_non_restored_state = opt.allow_non_restored_state;
  for (const auto& spec : opt.inject_failures) {
    auto fault = parse_fault(spec);
    if (!fault) {
      std::fprintf(stderr, "--inject-failure '%s': expected NODE:SUBTASK:RECORDS[:ATTEMPT], e.g. "
                           "counts:0:5000\n", spec.c_str());
      return kExitRefused;
    }
    submission.faults.push_back(*fault);
  }
  const int start = choose_start(**graph, opt, submission);
  if (start != kExitOk) return start;
  const int32_t needed = (*graph)->max_vertex_parallelism();
  const int32_t slots = opt.slots > 0 ? opt.slots : (needed + opt.taskmanagers - 1) / opt.taskmanagers;
  if (slots * opt.taskmanagers < needed) {
    std::fprintf(stderr, "%s: the job needs %d slots (its largest parallelism), but %d task managers "
                         "with %d slots offer %d; raise --slots or --taskmanagers\n",
                 opt.pipeline.c_str(), needed, opt.taskmanagers, slots, slots * opt.taskmanagers);
    return kExitRefused;
  }

  // `eddy local P | head`: the process ends quietly, as any Unix filter does.
  std::signal(SIGPIPE, SIG_DFL);
  // Working files that a killed run could not remove.
  remove_stale_local_dirs((*graph)->spec.state_localdir);
  LocalConfig cfg;
  auto sys = std::make_unique<caf::actor_system>(cfg);
  const int code = run_job(*sys, **graph, opt, submission, slots);
  std::error_code ec;  // RocksDB working files of this process
  std::filesystem::remove_all(process_local_dir((*graph)->spec.state_localdir), ec);
  exit_if_stuck(code, kShutdownGraceSeconds);
  sys.reset();
  return code;
}

}  // namespace eddy
