// `eddy bench nexmark`: every query file of configs/nexmark (with --sql, every
// script of configs/nexmark-sql with its ddl.sql), each in a fresh
// process with exactly-once checkpoints every 10 s and the given number of
// generator events, then one table: query, events, events/s, events per
// CPU-second, peak RSS, and the best per-core figure published for the query.
// A query that does not run shows why, never a number.
#include <dirent.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cmd/bench_run.h"
#include "cmd/commands.h"

namespace eddy {
namespace {

/// Thousands of input events per second per CPU core, from each publisher's own
/// runs, as collected in ../shared/NEXMARK.md ("Published per-core figures to
/// beat"). 0: not published.
struct PublishedFigures {
  const char* query;
  int flink_1_13, flink_2, feldera, risingwave;
};

constexpr PublishedFigures kPublished[] = {
    {"q0", 155, 379, 436, 118},  {"q1", 158, 395, 412, 119}, {"q2", 175, 414, 422, 127},
    {"q3", 152, 219, 413, 97},   {"q5", 22, 75, 412, 5},     {"q7", 12, 23, 196, 20},
    {"q8", 146, 162, 415, 61},   {"q9", 14, 14, 57, 8},      {"q11", 40, 46, 0, 0},
    {"q19", 44, 43, 75, 0},      {"q20", 19, 18, 85, 13},
};

/// The best published figure for `query` (events/s per core) and who published it.
std::pair<double, std::string> best_published(const std::string& query) {
  for (const auto& p : kPublished) {
    if (query != p.query) continue;
    const std::pair<int, const char*> all[] = {
        {p.flink_1_13, "Flink 1.13"}, {p.flink_2, "Flink 2.x"}, {p.feldera, "Feldera"}, {p.risingwave, "RisingWave"}};
    const auto* best = std::max_element(std::begin(all), std::end(all),
                                        [](const auto& a, const auto& b) { return a.first < b.first; });
    return {best->first * 1000.0, best->second};
  }
  return {0, ""};
}

/// qN.yaml (qN.sql) files of `dir`, by query number.
std::vector<std::string> query_files(const std::string& dir, const std::string& only, const std::string& ext) {
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (!std::regex_match(name, m, std::regex("q(\\d+)\\." + ext))) continue;
    const std::string query = name.substr(0, name.size() - ext.size() - 1);
    if (!only.empty() && ("," + only + ",").find("," + query + ",") == std::string::npos) continue;
    found.emplace_back(std::stoi(m[1].str()), entry.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> files;
  for (auto& f : found) files.push_back(f.second);
  return files;
}

/// The query file with `events` generator events per source and exactly-once
/// checkpoints every 10 s into `checkpoint_dir`; empty (with why) when the file
/// already says how to checkpoint.
std::string bench_text(const std::string& text, int64_t events, const std::string& checkpoint_dir,
                       std::string& why) {
  if (std::regex_search(text, std::regex(R"((^|\n)checkpoints:)"))) {
    why = "the file has its own 'checkpoints:'; the suite sets them (every 10 s)";
    return "";
  }
  std::string out = std::regex_replace(text, std::regex(R"((\n[ \t]+events:)[ \t]*\d+)"),
                                       "$1 " + std::to_string(events));
  return out + "\ncheckpoints:            # eddy bench nexmark: exactly-once, every 10 s\n"
               "  interval: 10s\n  dir: " + checkpoint_dir + "\n";
}

/// The SQL query `text` after the Nexmark tables of `ddl` with `events` generator
/// events, and exactly-once checkpoints every 10 s into `checkpoint_dir`.
std::string bench_sql(const std::string& ddl, const std::string& text, int64_t events,
                      const std::string& checkpoint_dir) {
  const std::string tables = std::regex_replace(ddl, std::regex(R"('events\.num'\s*=\s*'[^']*')"),
                                                "'events.num' = '" + std::to_string(events) + "'");
  return "-- eddy bench nexmark --sql: exactly-once, every 10 s\n"
         "SET 'execution.checkpointing.interval' = '10 s';\n"
         "SET 'execution.checkpointing.dir' = '" + checkpoint_dir + "';\n" + tables + "\n" + text;
}

/// The `error:` lines of a refused run without their file:line:column, joined
/// and cut to fit a table row.
std::string refusal(const std::string& output) {
  constexpr size_t kMaxChars = 200;
  std::istringstream lines(output);
  std::string line, all;
  while (std::getline(lines, line)) {
    const size_t at = line.find("error: ");
    if (at != std::string::npos) all += (all.empty() ? "" : "; ") + line.substr(at + 7);
  }
  if (all.empty()) return "refused";
  return all.size() > kMaxChars ? all.substr(0, kMaxChars - 3) + "..." : all;
}

std::string last_line(const std::string& output) {
  std::istringstream lines(output);
  std::string line, last;
  while (std::getline(lines, line))
    if (line.find_first_not_of(" \t") != std::string::npos) last = line;
  return last;
}

std::string si(double v) {
  char buf[32];
  if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else if (v >= 1e3) std::snprintf(buf, sizeof buf, "%.0fk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

struct QueryResult {
  std::string query;
  std::vector<BenchRun> runs;
  std::string not_run;  // why there are no figures
};

QueryResult bench_query(const std::string& file, const BenchNexmarkOptions& opt, const std::string& work) {
  QueryResult r;
  r.query = std::filesystem::path(file).stem().string();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const std::string yaml = work + "/" + r.query + (opt.sql ? ".sql" : ".yaml");
  const std::string checkpoints = work + "/checkpoints-" + r.query;
  std::string why, changed;
  if (opt.sql) {
    std::ifstream ddl_in(std::filesystem::path(file).parent_path() / "ddl.sql");
    std::stringstream ddl;
    ddl << ddl_in.rdbuf();
    if (ddl.str().empty()) {
      r.not_run = "not run: no ddl.sql beside it";
      return r;
    }
    changed = bench_sql(ddl.str(), text.str(), opt.events, checkpoints);
  } else {
    changed = bench_text(text.str(), opt.events, checkpoints, why);
  }
  if (changed.empty()) {
    r.not_run = "not run: " + why;
    return r;
  }
  std::ofstream(yaml) << changed;
  for (int i = 0; i < opt.runs && r.not_run.empty(); ++i) {
    BenchRun run;
    BenchFailure failure;
    if (run_bench_child(yaml, opt.parallelism, run, failure)) r.runs.push_back(run);
    else if (failure.exit_code == kExitRefused) r.not_run = "not supported yet: " + refusal(failure.output);
    else r.not_run = "failed: " + last_line(failure.output);
    std::error_code ec;
    std::filesystem::remove_all(checkpoints, ec);
  }
  return r;
}

void print_header() {
  std::printf("%-5s %11s %10s %13s %9s %6s %24s %9s\n", "query", "events", "events/s", "events/CPU-s",
              "peak RSS", "ckpts", "best published per core", "eddy/best");
}

void print_row(const QueryResult& r, int64_t events) {
  const auto [best, who] = best_published(r.query);
  const std::string best_text = best > 0 ? si(best) + " (" + who + ")" : "-";
  if (!r.not_run.empty()) {
    std::printf("%-5s %11s  %s\n", r.query.c_str(), "-", r.not_run.c_str());
    return;
  }
  std::vector<double> secs, cpu, rss, checkpoints;
  for (const auto& run : r.runs) {
    secs.push_back(run.seconds);
    cpu.push_back(run.cpu_s);
    rss.push_back(run.peak_rss_mib);
    checkpoints.push_back(static_cast<double>(run.checkpoints));
  }
  const double per_s = median(secs) > 0 ? static_cast<double>(events) / median(secs) : 0;
  const double per_cpu = median(cpu) > 0 ? static_cast<double>(events) / median(cpu) : 0;
  char ratio[16] = "-";
  if (best > 0) std::snprintf(ratio, sizeof ratio, "%.1fx", per_cpu / best);
  char rss_text[24];
  std::snprintf(rss_text, sizeof rss_text, "%.0f MiB", median(rss));
  std::printf("%-5s %11lld %10s %13s %9s %6.0f %24s %9s\n", r.query.c_str(), static_cast<long long>(events),
              si(per_s).c_str(), si(per_cpu).c_str(), rss_text, median(checkpoints), best_text.c_str(), ratio);
}

/// configs/nexmark in the working directory, else in the repository the
/// binary was built in (build/eddy -> configs/nexmark).
std::string default_dir(bool sql) {
  const std::filesystem::path here = sql ? "configs/nexmark-sql" : "configs/nexmark";
  if (std::filesystem::is_directory(here)) return here.string();
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto beside = exe.parent_path().parent_path() / "configs" / (sql ? "nexmark-sql" : "nexmark");
  return !ec && std::filesystem::is_directory(beside) ? beside.string() : here.string();
}

}  // namespace

int run_bench_nexmark(const BenchNexmarkOptions& options) {
  BenchNexmarkOptions opt = options;
  if (opt.dir.empty()) opt.dir = default_dir(opt.sql);
  const auto files = query_files(opt.dir, opt.queries, opt.sql ? "sql" : "yaml");
  if (files.empty()) {
    std::fprintf(stderr, "eddy bench nexmark: no query files (qN.%s) in %s%s; run it from the repository, "
                         "or name the folder with --dir\n", opt.sql ? "sql" : "yaml", opt.dir.c_str(),
                 opt.queries.empty() ? "" : (" among " + opt.queries).c_str());
    return kExitRefused;
  }
  char tmpl[] = "/tmp/eddy-bench-nexmark-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("eddy bench nexmark: cannot make a working folder");
    return kExitJobFailed;
  }
  const std::string work = tmpl;
  std::printf("Nexmark: %zu queries from %s, %lld events each, exactly-once checkpoints every 10 s, %s; "
              "%s per query\n", files.size(), opt.dir.c_str(), static_cast<long long>(opt.events),
              opt.parallelism > 0 ? ("parallelism " + std::to_string(opt.parallelism)).c_str()
                                  : "the files' parallelism",
              opt.runs > 1 ? ("the median of " + std::to_string(opt.runs) + " runs").c_str() : "one run");
  print_header();
  std::fflush(stdout);
  int failed = 0;
  for (const auto& file : files) {
    const QueryResult r = bench_query(file, opt, work);
    if (r.not_run.rfind("failed", 0) == 0) ++failed;
    print_row(r, opt.events);
    std::fflush(stdout);
  }
  std::error_code ec;
  std::filesystem::remove_all(work, ec);
  std::printf("events per CPU-second: events / (user + system CPU of the eddy process and its snapshot "
              "children); ckpts: checkpoints completed (a run shorter than 10 s takes none); published "
              "figures: events/s per core from each publisher's own runs (docs/nexmark.md)\n");
  return failed > 0 ? kExitJobFailed : kExitOk;
}

}  // namespace eddy
