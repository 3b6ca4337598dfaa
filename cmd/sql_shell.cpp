// `eddy sql`: a SQL shell, as Flink's SQL client. It reads statements from a
// terminal or a pipe, one per ';'. SET and CREATE statements are checked and
// kept as the session; each query (SELECT, INSERT, EXPLAIN, a statement set)
// runs as a job after the session's statements, in a child `eddy local`, with
// SELECT's rows shown as they come (tableau.h). Ctrl-C stops the running query
// (the child cancels its job) and not the shell.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "cmd/commands.h"
#include "cmd/tableau.h"
#include "plan/job_graph.h"
#include "sql/sql_parser.h"
#include "sql/sql_planner.h"
#include "sql/statement_end.h"

namespace eddy {
namespace {

constexpr const char* kHelp =
    "Statements end with ';' and may span lines.\n"
    "  SET 'key' = 'value';            a job option (docs/sql.md lists the keys)\n"
    "  CREATE TABLE / VIEW ...;        kept for the statements after it\n"
    "  SELECT ...;                     runs the query and shows its rows as they come (op first);\n"
    "                                  Ctrl-C stops it\n"
    "  INSERT INTO ...; EXPLAIN ...;   runs the job, prints the plan\n"
    "  SHOW TABLES;                    the tables and views so far\n"
    "  HELP;  QUIT;                    this text; leave (also Ctrl-D)\n";

const char* kNoSink = "the script has no INSERT INTO or SELECT";

void ignore_interrupt(int) {}

class Shell {
 public:
  Shell(std::string session, std::string dir) : session_(std::move(session)), dir_(std::move(dir)) {}

  int run() {
    const bool terminal = ::isatty(STDIN_FILENO) != 0;
    if (terminal) std::printf("eddy SQL shell; HELP; for help, QUIT; to leave.\n");
    std::string buffer, line;
    while (true) {
      if (terminal) {
        std::printf("%s", buffer.find_first_not_of(" \t\r\n") == std::string::npos ? "eddy> " : "   -> ");
        std::fflush(stdout);
      }
      if (!std::getline(std::cin, line)) break;
      buffer += line + "\n";
      for (size_t end; (end = sql::statement_end(buffer)) != std::string::npos;) {
        std::string statement = buffer.substr(0, end);
        buffer.erase(0, end);
        statement.erase(0, statement.find_first_not_of(" \t\r\n"));  // its lines start where it does
        if (!handle(statement)) return kExitOk;
      }
    }
    if (buffer.find_first_not_of(" \t\r\n") != std::string::npos) handle(buffer);
    return kExitOk;
  }

 private:
  /// False after QUIT.
  bool handle(const std::string& statement) {
    const std::string word = sql::first_word(statement);
    if (word.empty()) return true;
    if (word == "QUIT" || word == "EXIT") return false;
    if (word == "HELP") {
      std::printf("%s", kHelp);
    } else if (word == "SHOW") {
      show_tables();
    } else if (word == "SET" || word == "CREATE" || word == "RESET") {
      keep(statement);
    } else {
      run_query(statement, word == "SELECT");
    }
    std::fflush(stdout);
    return true;
  }

  /// Checks a SET or CREATE after the session's statements; keeps it when it holds.
  void keep(const std::string& statement) {
    std::vector<Diagnostic> diags;
    const std::string text = sql::join_scripts({{"session", session_}, {"input", statement}});
    sql::plan_sql_script("input.sql", text, diags);
    std::vector<Diagnostic> real;
    for (const Diagnostic& d : diags)
      if (d.message.rfind(kNoSink, 0) != 0) real.push_back(d);
    if (!real.empty()) {
      std::printf("[ERROR] %s", render_diagnostics("input", real).c_str());
      return;
    }
    session_ += statement + "\n";
    std::printf("[INFO] Execute statement succeeded.\n");
  }

  void show_tables() {
    sql::Script script;
    std::vector<Diagnostic> diags;
    if (!sql::parse_script(session_, script, diags)) return;
    size_t shown = 0;
    for (const auto& s : script.statements) {
      if (s.kind == sql::Statement::Kind::kCreateTable) std::printf("%s\n", s.table.name.name.c_str());
      if (s.kind == sql::Statement::Kind::kCreateView) std::printf("%s (view)\n", s.view.name.name.c_str());
      shown += s.kind == sql::Statement::Kind::kCreateTable || s.kind == sql::Statement::Kind::kCreateView;
    }
    if (shown == 0) std::printf("Empty set\n");
  }

  /// Runs `statement` after the session in a child `eddy local`; SELECT's rows as a table.
  void run_query(const std::string& statement, bool select) {
    const std::string session_file = dir_ + "/session.sql", input_file = dir_ + "/input.sql";
    std::ofstream(session_file) << session_;
    std::ofstream(input_file) << statement;
    int out[2];
    if (::pipe(out) != 0) {
      std::perror("[ERROR] pipe");
      return;
    }
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
      ::execl(self.c_str(), self.c_str(), "local", "-q", "-i", session_file.c_str(), input_file.c_str(),
              static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    ::close(out[1]);
    Tableau table(stdout);
    FILE* rows = ::fdopen(out[0], "r");
    char* line = nullptr;
    size_t cap = 0;
    for (ssize_t n; (n = ::getline(&line, &cap, rows)) > 0;) {
      std::string text(line, static_cast<size_t>(n));
      if (!text.empty() && text.back() == '\n') text.pop_back();
      if (select) table.row(text);
      else std::printf("%s\n", text.c_str());
      std::fflush(stdout);
    }
    ::free(line);
    ::fclose(rows);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    report(status, select, table);
  }

  static void report(int status, bool select, Tableau& table) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (select && (code == kExitOk || code == kExitCanceled)) table.finish();
    if (code == kExitOk && !select) std::printf("[INFO] The job finished.\n");
    if (code == kExitCanceled || code == kExitForced) std::printf("[INFO] Query canceled.\n");
    if (code == kExitJobFailed) std::printf("[ERROR] The job failed (see above).\n");
    if (code == kExitRefused) std::printf("[ERROR] The statement was refused (see above); nothing ran.\n");
  }

  std::string session_;
  std::string dir_;
};

}  // namespace

int run_sql_shell(const std::vector<std::string>& init) {
  std::string session;
  for (const std::string& file : init) {
    std::string text;
    Status read = read_text_file(file, text);
    if (!read.is_ok()) {
      std::fprintf(stderr, "%s\n", read.message().c_str());
      return kExitRefused;
    }
    session += text + "\n";
  }
  // Ctrl-C goes to the running query's process; the shell only survives it.
  struct sigaction sa = {};
  sa.sa_handler = ignore_interrupt;
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  char dir[] = "/tmp/eddy-sql-XXXXXX";
  if (::mkdtemp(dir) == nullptr) {
    std::perror("eddy sql: cannot make a working folder");
    return kExitJobFailed;
  }
  const int code = Shell(session, dir).run();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return code;
}

}  // namespace eddy
