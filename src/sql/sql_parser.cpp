#include "sql/sql_parser.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>

namespace eddy::sql {
namespace {

/// Words that end an expression when met outside parentheses.
bool is_clause_word(const Token& t) {
  static const char* const kWords[] = {"FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "ON",
                                       "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "AS", "WINDOW",
                                       "EXCEPT", "INTERSECT", "OFFSET", "FETCH", "USING", "FOR", "WITH"};
  for (const char* w : kWords)
    if (t.is_word(w)) return true;
  return false;
}

/// Words inside expressions: never an alias written without AS.
bool is_expression_word(const Token& t) {
  static const char* const kWords[] = {
      "AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "UNKNOWN", "LIKE", "IN", "BETWEEN", "SYMMETRIC",
      "ASYMMETRIC", "CASE", "WHEN", "THEN", "ELSE", "END", "INTERVAL", "TIMESTAMP", "DATE", "TIME", "ESCAPE",
      "SIMILAR", "TO", "DISTINCT", "FILTER", "OVER", "YEAR", "YEARS", "MONTH", "MONTHS", "DAY", "DAYS", "HOUR",
      "HOURS", "MINUTE", "MINUTES", "SECOND", "SECONDS", "MILLISECOND", "MILLISECONDS", "DESC", "ASC",
      "ROWS", "RANGE", "PRECEDING", "FOLLOWING", "CURRENT", "ROW", "UNBOUNDED", "PARTITION", "BY", "ALL"};
  if (t.kind != TokenKind::kIdent) return false;
  for (const char* w : kWords)
    if (t.is_word(w)) return true;
  return false;
}

/// Constructs of Flink SQL that eddy does not run: named as such, never as a syntax error.
const char* unsupported_construct(const Token& t) {
  static const char* const kWords[] = {"MATCH_RECOGNIZE", "LATERAL", "UNNEST", "PIVOT", "UNPIVOT"};
  for (const char* w : kWords)
    if (t.is_word(w)) return w;
  return nullptr;
}

struct SyntaxError {
  SourceLocation loc;
  std::string message;
};

class Parser {
 public:
  Parser(const std::vector<Token>& tokens) : t_(tokens) {}

  std::vector<Statement> script() {
    std::vector<Statement> out;
    while (!at_end()) {
      if (accept(";")) continue;
      out.push_back(statement());
      if (!at_end()) expect(";", "';' to end the statement");
    }
    return out;
  }

 private:
  // --- tokens -------------------------------------------------------------
  const Token& tok(size_t ahead = 0) const { return t_[std::min(pos_ + ahead, t_.size() - 1)]; }
  bool at_end() const { return tok().kind == TokenKind::kEnd; }
  void advance() {
    if (!at_end()) ++pos_;
  }
  bool accept(const char* symbol) {
    if (!tok().is_symbol(symbol)) return false;
    advance();
    return true;
  }
  bool accept_word(const char* word) {
    if (!tok().is_word(word)) return false;
    advance();
    return true;
  }
  [[noreturn]] void fail(const std::string& expected) const { fail_at(tok(), expected); }
  [[noreturn]] void fail_at(const Token& at, const std::string& expected) const {
    if (const char* what = unsupported_construct(at))
      throw SyntaxError{at.loc, std::string(what) + " is not supported by eddy"};
    throw SyntaxError{at.loc, "found " + at.describe() + ", expected " + expected};
  }
  void expect(const char* symbol, const std::string& expected) {
    if (!accept(symbol)) fail(expected);
  }
  void expect_word(const char* word) {
    if (!accept_word(word)) fail(std::string("'") + word + "'");
  }
  bool is_name(const Token& t) const { return t.kind == TokenKind::kIdent || t.kind == TokenKind::kQuotedIdent; }
  Ident name(const std::string& what) {
    if (!is_name(tok())) fail(what);
    Ident id{tok().text, tok().loc};
    advance();
    return id;
  }
  /// a.b.c: catalog and database parts are accepted and the last part kept.
  Ident qualified_name(const std::string& what) {
    Ident id = name(what);
    while (tok().is_symbol(".") && is_name(tok(1))) {
      advance();
      id.name = tok().text;
      advance();
    }
    return id;
  }
  std::string string_literal(const std::string& what, SourceLocation& loc) {
    if (tok().kind != TokenKind::kString) fail(what);
    loc = tok().loc;
    std::string s = tok().text;
    advance();
    return s;
  }

  // --- statements ---------------------------------------------------------
  Statement statement() {
    Statement s;
    s.loc = tok().loc;
    if (accept_word("SET")) return set(s);
    if (accept_word("EXPLAIN")) {
      if (accept_word("PLAN")) expect_word("FOR");
      s.kind = Statement::Kind::kExplain;
      s.explained = std::make_shared<Statement>(statement());
      return s;
    }
    if (accept_word("CREATE")) return create(s);
    if (tok().is_word("INSERT")) {
      s.kind = Statement::Kind::kInsert;
      s.insert = insert();
      return s;
    }
    if (tok().is_word("EXECUTE") || tok().is_word("BEGIN")) return statement_set(s);
    if (tok().is_word("SELECT") || tok().is_word("WITH") || tok().is_symbol("(")) {
      s.kind = Statement::Kind::kSelect;
      s.query = query();
      return s;
    }
    fail("a statement: SET, CREATE TABLE, CREATE VIEW, CREATE FUNCTION, INSERT INTO, SELECT, EXPLAIN or "
         "EXECUTE STATEMENT SET");
  }

  /// SET 'key' = 'value' (the SQL client's form), or SET key = value.
  Statement set(Statement& s) {
    s.kind = Statement::Kind::kSet;
    if (tok().kind == TokenKind::kString) {
      s.set.key = string_literal("a 'key'", s.set.key_loc);
    } else if (is_name(tok())) {
      s.set.key_loc = tok().loc;
      s.set.key = tok().text;
      advance();
      while (tok().is_symbol(".") || tok().is_symbol("-")) {
        s.set.key += tok().text;
        advance();
        if (!is_name(tok())) fail("the rest of the key after '" + s.set.key + "'");
        s.set.key += tok().text;
        advance();
      }
    } else {
      fail("a key to set, as in SET 'parallelism.default' = '2'");
    }
    expect("=", "'=' and the value");
    s.set.value_loc = tok().loc;
    if (tok().kind == TokenKind::kString || tok().kind == TokenKind::kNumber || is_name(tok())) {
      s.set.value = tok().text;
      advance();
    } else {
      fail("a value in quotes, as in SET 'parallelism.default' = '2'");
    }
    return s;
  }

  Statement create(Statement& s) {
    accept_word("TEMPORARY");
    accept_word("SYSTEM");
    if (accept_word("TABLE")) {
      s.kind = Statement::Kind::kCreateTable;
      if_not_exists();
      s.table = create_table();
      return s;
    }
    if (accept_word("VIEW")) {
      s.kind = Statement::Kind::kCreateView;
      if_not_exists();
      s.view.name = qualified_name("the view's name");
      if (tok().is_symbol("(")) fail("AS (a column list after the view's name is not supported: name the columns in its SELECT)");
      expect_word("AS");
      s.view.query = query();
      return s;
    }
    if (accept_word("FUNCTION")) {
      s.kind = Statement::Kind::kCreateFunction;
      if_not_exists();
      s.function.name = qualified_name("the function's name");
      expect_word("AS");
      s.function.target = string_literal("'library.so:symbol' (a C++ function in a shared library)", s.function.target_loc);
      if (accept_word("LANGUAGE")) name("a language");
      return s;
    }
    fail("TABLE, VIEW or FUNCTION after CREATE");
  }

  void if_not_exists() {
    if (accept_word("IF")) {
      expect_word("NOT");
      expect_word("EXISTS");
    }
  }

  CreateTable create_table() {
    CreateTable t;
    t.name = qualified_name("the table's name");
    expect("(", "'(' and the table's columns");
    do {
      if (accept_word("WATERMARK")) {
        expect_word("FOR");
        t.watermark_column = name("the event-time column after WATERMARK FOR");
        expect_word("AS");
        t.watermark = expression();
      } else if (tok().is_word("PRIMARY") || tok().is_word("CONSTRAINT")) {
        if (accept_word("CONSTRAINT")) name("the constraint's name");
        expect_word("PRIMARY");
        expect_word("KEY");
        t.primary_key = name_list("the key's columns");
        expect_word("NOT");
        expect_word("ENFORCED");
      } else {
        t.columns.push_back(column());
      }
    } while (accept(","));
    expect(")", "',' and another column, or ')' to end the columns");
    if (accept_word("COMMENT")) {
      SourceLocation loc;
      string_literal("the comment", loc);
    }
    if (tok().is_word("PARTITIONED")) throw SyntaxError{tok().loc, "PARTITIONED BY is not supported by eddy"};
    if (accept_word("WITH")) t.options = options();
    return t;
  }

  std::vector<Ident> name_list(const std::string& what) {
    std::vector<Ident> out;
    expect("(", "'(' and " + what);
    do out.push_back(name(what));
    while (accept(","));
    expect(")", "',' or ')'");
    return out;
  }

  ColumnDef column() {
    ColumnDef c;
    c.name = name("a column: NAME TYPE, NAME AS expression, WATERMARK FOR ... or PRIMARY KEY (...) NOT ENFORCED");
    if (accept_word("AS")) {
      c.computed = expression();
    } else {
      c.type = type();
      if (accept_word("NOT")) expect_word("NULL");
      else accept_word("NULL");
      if (tok().is_word("METADATA")) throw SyntaxError{tok().loc, "METADATA columns are not supported by eddy"};
    }
    if (accept_word("COMMENT")) {
      SourceLocation loc;
      string_literal("the comment", loc);
    }
    return c;
  }

  TypeText type() {
    TypeText ty;
    ty.loc = tok().loc;
    if (tok().kind != TokenKind::kIdent) fail("a type: BIGINT, INT, DOUBLE, STRING, BOOLEAN, TIMESTAMP(3), ROW<...>, ...");
    ty.name = upper(tok().text);
    advance();
    if (ty.name == "ROW" && (tok().is_symbol("<") || tok().is_symbol("("))) {
      const bool angle = tok().is_symbol("<");
      advance();
      do {
        TypeText::Field f;
        f.name = name("a field name");
        f.type = type();
        if (accept_word("NOT")) expect_word("NULL");
        ty.fields.push_back(std::move(f));
      } while (accept(","));
      expect(angle ? ">" : ")", angle ? "',' or '>' to end the ROW's fields" : "',' or ')'");
      return ty;
    }
    if (ty.name == "DOUBLE") accept_word("PRECISION");
    if (ty.name == "CHARACTER") accept_word("VARYING");
    if (accept("(")) {
      do {
        if (tok().kind != TokenKind::kNumber) fail("a number");
        ty.params.push_back(std::stoll(tok().text));
        advance();
      } while (accept(","));
      expect(")", "')'");
    }
    if (ty.name == "TIMESTAMP" && accept_word("WITH")) {
      expect_word("LOCAL");
      expect_word("TIME");
      expect_word("ZONE");
      ty.name = "TIMESTAMP_LTZ";
    } else if (ty.name == "TIMESTAMP" && accept_word("WITHOUT")) {
      expect_word("TIME");
      expect_word("ZONE");
    }
    return ty;
  }

  std::vector<TableOption> options() {
    std::vector<TableOption> out;
    expect("(", "'(' and the table's options, as in WITH ('connector' = 'print')");
    if (accept(")")) return out;
    do {
      TableOption o;
      o.key = string_literal("an option key in single quotes, as 'connector'", o.key_loc);
      expect("=", "'=' and the option's value");
      o.value = string_literal("the option's value in single quotes", o.value_loc);
      out.push_back(std::move(o));
    } while (accept(","));
    expect(")", "',' and another option, or ')' to end the options");
    return out;
  }

  Insert insert() {
    Insert in;
    expect_word("INSERT");
    if (tok().is_word("OVERWRITE")) throw SyntaxError{tok().loc, "INSERT OVERWRITE is not supported by eddy"};
    expect_word("INTO");
    in.table = qualified_name("the table to insert into");
    if (tok().is_symbol("(")) throw SyntaxError{tok().loc, "a column list after INSERT INTO's table is not supported: "
                                                           "select the columns in the table's order"};
    in.query = query();
    return in;
  }

  /// EXECUTE STATEMENT SET BEGIN INSERT ...; ... END, or the older BEGIN STATEMENT SET; ... END.
  Statement statement_set(Statement& s) {
    s.kind = Statement::Kind::kStatementSet;
    if (accept_word("EXECUTE")) {
      expect_word("STATEMENT");
      expect_word("SET");
      expect_word("BEGIN");
    } else {
      expect_word("BEGIN");
      expect_word("STATEMENT");
      expect_word("SET");
      expect(";", "';'");
    }
    while (!tok().is_word("END")) {
      if (accept(";")) continue;
      if (!tok().is_word("INSERT")) fail("INSERT INTO or END: a statement set holds only INSERTs");
      s.inserts.push_back(insert());
      if (!tok().is_word("END")) expect(";", "';' after the INSERT");
    }
    expect_word("END");
    if (s.inserts.empty()) throw SyntaxError{s.loc, "the statement set has no INSERT"};
    return s;
  }

  // --- queries ------------------------------------------------------------
  QueryPtr query() {
    auto q = std::make_shared<Query>();
    q->loc = tok().loc;
    q->first_token = pos_;
    if (accept_word("WITH")) {
      do {
        auto view = std::make_shared<CreateView>();
        view->name = name("a name for the WITH query");
        expect_word("AS");
        expect("(", "'(' and the query");
        view->query = query();
        expect(")", "')' to end the WITH query");
        q->with.push_back(view);
      } while (accept(","));
    }
    if (accept("(")) {
      QueryPtr inner = query();
      expect(")", "')'");
      q->blocks = inner->blocks;
    } else {
      q->blocks.push_back(select_block());
    }
    while (tok().is_word("UNION")) {
      advance();
      if (!accept_word("ALL")) fail("ALL after UNION (eddy runs UNION ALL; UNION without ALL would dedup)");
      if (accept("(")) {
        QueryPtr inner = query();
        expect(")", "')'");
        for (auto& b : inner->blocks) q->blocks.push_back(b);
      } else {
        q->blocks.push_back(select_block());
      }
    }
    if (tok().is_word("ORDER") || tok().is_word("LIMIT"))
      throw SyntaxError{tok().loc, upper(tok().text) + " on a streaming query is not supported by eddy: "
                                   "use ROW_NUMBER() OVER (... ORDER BY ...) <= N for a Top-N"};
    q->last_token = pos_;
    return q;
  }

  SelectBlock select_block() {
    SelectBlock b;
    b.loc = tok().loc;
    expect_word("SELECT");
    if (accept_word("DISTINCT")) b.distinct = true;
    else accept_word("ALL");
    do b.items.push_back(select_item());
    while (accept(","));
    if (accept_word("FROM")) b.from = from_list();
    if (accept_word("WHERE")) b.where = expression();
    if (tok().is_word("GROUP")) {
      b.group_by_loc = tok().loc;
      advance();
      expect_word("BY");
      do b.group_by.push_back(expression());
      while (accept(","));
    }
    if (accept_word("HAVING")) b.having = expression();
    return b;
  }

  SelectItem select_item() {
    SelectItem item;
    item.loc = tok().loc;
    if (accept("*")) {
      item.star = true;
      return item;
    }
    if (is_name(tok()) && tok(1).is_symbol(".") && tok(2).is_symbol("*")) {
      item.star = true;
      item.star_qualifier = name("");
      advance();
      advance();
      return item;
    }
    item.expr = expression();
    if (accept_word("AS")) item.alias = name("a name for the column after AS");
    else if (is_name(tok()) && !is_clause_word(tok())) item.alias = name("");
    return item;
  }

  RelationPtr from_list() {
    RelationPtr left = joined();
    while (tok().is_symbol(",")) {
      auto j = std::make_shared<Relation>();
      j->kind = RelationKind::kJoin;
      j->loc = tok().loc;
      advance();
      j->join_type = "cross";
      j->left = left;
      j->right = joined();
      left = j;
    }
    return left;
  }

  RelationPtr joined() {
    RelationPtr left = primary();
    while (true) {
      const Token& at = tok();
      std::string type;
      if (accept_word("JOIN")) type = "inner";
      else if (accept_word("INNER")) type = "inner";
      else if (accept_word("LEFT")) type = "left";
      else if (accept_word("RIGHT")) type = "right";
      else if (accept_word("FULL")) type = "full";
      else if (accept_word("CROSS")) type = "cross";
      else return left;
      if (!at.is_word("JOIN")) {
        if (type != "inner" && type != "cross") accept_word("OUTER");
        expect_word("JOIN");
      }
      auto j = std::make_shared<Relation>();
      j->kind = RelationKind::kJoin;
      j->loc = at.loc;
      j->join_type = type;
      j->left = left;
      j->right = primary();
      if (type != "cross") {
        if (tok().is_word("USING")) throw SyntaxError{tok().loc, "JOIN ... USING is not supported by eddy: write ON a.k = b.k"};
        j->on_loc = tok().loc;
        expect_word("ON");
        j->on = expression();
      }
      left = j;
    }
  }

  void alias(Relation& r) {
    if (unsupported_construct(tok())) fail("");
    if (accept_word("AS")) r.alias = name("an alias after AS");
    else if (is_name(tok()) && !is_clause_word(tok()) && !is_join_word(tok())) r.alias = name("");
  }
  static bool is_join_word(const Token& t) {
    return t.is_word("JOIN") || t.is_word("INNER") || t.is_word("LEFT") || t.is_word("RIGHT") ||
           t.is_word("FULL") || t.is_word("CROSS") || t.is_word("NATURAL");
  }

  RelationPtr primary() {
    auto r = std::make_shared<Relation>();
    r->loc = tok().loc;
    if (tok().is_word("TABLE") && tok(1).is_symbol("(")) {
      advance();
      advance();
      window_tvf(*r);
      expect(")", "')' to close TABLE(");
      alias(*r);
      return r;
    }
    if (accept("(")) {
      if (tok().is_symbol("(") || tok().is_word("SELECT") || tok().is_word("WITH")) {
        r->kind = RelationKind::kSubquery;
        r->query = query();
        expect(")", "')' to end the subquery");
        alias(*r);
        return r;
      }
      RelationPtr inner = from_list();
      expect(")", "')'");
      return inner;
    }
    if (unsupported_construct(tok())) fail("a table");
    r->kind = RelationKind::kTable;
    r->name = qualified_name("a table or view name, a (subquery) or TABLE(TUMBLE(...))");
    if (accept_word("FOR")) {
      expect_word("SYSTEM_TIME");
      expect_word("AS");
      expect_word("OF");
      r->system_time = expression();
    }
    alias(*r);
    return r;
  }

  /// TUMBLE(TABLE t, DESCRIPTOR(c), size), HOP(..., slide, size), CUMULATE(..., step, size), SESSION(..., gap).
  void window_tvf(Relation& r) {
    r.kind = RelationKind::kWindowTvf;
    r.function = name("TUMBLE, HOP, CUMULATE or SESSION");
    r.function.name = upper(r.function.name);
    const std::string& f = r.function.name;
    if (f != "TUMBLE" && f != "HOP" && f != "CUMULATE" && f != "SESSION")
      throw SyntaxError{r.function.loc, "found '" + r.function.name + "', expected a window function: TUMBLE, HOP, "
                                        "CUMULATE or SESSION"};
    expect("(", "'(' after " + f);
    named_argument("DATA");
    auto input = std::make_shared<Relation>();
    input->loc = tok().loc;
    if (accept_word("TABLE")) {
      input->kind = RelationKind::kTable;
      input->name = qualified_name("the table to window");
    } else if (accept("(")) {
      input->kind = RelationKind::kSubquery;
      input->query = query();
      expect(")", "')'");
    } else {
      fail("TABLE and the table to window, as in " + f + "(TABLE bid, DESCRIPTOR(dateTime), ...)");
    }
    if (tok().is_word("PARTITION")) throw SyntaxError{tok().loc, "PARTITION BY inside a window function is not supported by eddy: "
                                                                 "GROUP BY the keys instead"};
    r.input = input;
    expect(",", "',' and DESCRIPTOR(time column)");
    named_argument("TIMECOL");
    expect_word("DESCRIPTOR");
    expect("(", "'('");
    r.descriptor = name("the time column");
    expect(")", "')'");
    while (accept(",")) {
      named_argument("");
      r.arguments.push_back(expression());
    }
    expect(")", "',' and an interval, or ')' to end " + f + "(...)");
  }

  /// Skips `NAME =>` of a named argument.
  void named_argument(const char*) {
    if (is_name(tok()) && tok(1).is_symbol("=") && tok(2).is_symbol(">")) {
      advance();
      advance();
      advance();
    }
  }

  // --- expressions --------------------------------------------------------
  /// The tokens of one expression: up to a clause word, ',', ')' or ';' outside
  /// parentheses, or a name after a complete operand (an alias without AS).
  ExprSpan expression() {
    ExprSpan span;
    span.first = pos_;
    int depth = 0, cases = 0;
    while (!at_end()) {
      const Token& t = tok();
      if (depth == 0) {
        if (t.is_symbol(",") || t.is_symbol(")") || t.is_symbol(";")) break;
        const bool function = (t.is_word("LEFT") || t.is_word("RIGHT")) && tok(1).is_symbol("(");
        if (t.kind == TokenKind::kIdent && is_clause_word(t) && !function) break;
        if (cases == 0 && pos_ > span.first && is_name(t) && !is_expression_word(t) && ends_operand(tok_before()) &&
            !tok(1).is_symbol("(") && !tok(1).is_symbol("."))
          break;
      }
      if (const char* what = unsupported_construct(t)) throw SyntaxError{t.loc, std::string(what) + " is not supported by eddy"};
      if (t.is_symbol("(") || t.is_symbol("[")) ++depth;
      if (t.is_symbol(")") || t.is_symbol("]")) --depth;
      if (t.is_word("CASE")) ++cases;
      if (t.is_word("END") && cases > 0) --cases;
      advance();
    }
    span.last = pos_;
    if (span.empty()) fail("an expression");
    return span;
  }
  const Token& tok_before() const { return t_[pos_ - 1]; }
  static bool ends_operand(const Token& t) {
    if (t.kind == TokenKind::kString || t.kind == TokenKind::kNumber || t.kind == TokenKind::kQuotedIdent) return true;
    if (t.is_symbol(")") || t.is_symbol("]")) return true;
    if (t.kind != TokenKind::kIdent) return false;
    return !is_expression_word(t) || t.is_word("END") || t.is_word("NULL") || t.is_word("TRUE") ||
           t.is_word("FALSE") || t.is_word("SECOND") || t.is_word("MINUTE") || t.is_word("HOUR") ||
           t.is_word("DAY") || t.is_word("MONTH") || t.is_word("YEAR") || t.is_word("SECONDS") ||
           t.is_word("MINUTES") || t.is_word("HOURS") || t.is_word("DAYS");
  }

  const std::vector<Token>& t_;
  size_t pos_ = 0;
};

}  // namespace

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool parse_script(std::string text, Script& out, std::vector<Diagnostic>& diags) {
  out.text = std::move(text);
  LexResult lexed = lex_sql(out.text);
  if (!lexed.ok) {
    diags.push_back({lexed.error_loc, lexed.error});
    return false;
  }
  out.tokens = std::move(lexed.tokens);
  try {
    out.statements = Parser(out.tokens).script();
  } catch (const SyntaxError& e) {
    diags.push_back({e.loc, e.message});
    return false;
  }
  return true;
}

}  // namespace eddy::sql
