// The statements of a Flink SQL script as parsed (sql_parser.h), before
// planning (sql_planner.h). Clauses are parsed here; expressions are kept as
// token ranges (ExprSpan) that the planner rewrites against the names in
// scope and hands to the expression compiler (src/expr) as text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plan/pipeline_spec.h"

namespace eddy::sql {

/// Tokens [first, last) of the script: an expression as written.
struct ExprSpan {
  size_t first = 0, last = 0;
  bool empty() const { return first >= last; }
};

/// A name as written (backquotes removed), with where it is.
struct Ident {
  std::string name;
  SourceLocation loc;
  bool empty() const { return name.empty(); }
};

/// A column type: `BIGINT`, `TIMESTAMP(3)`, `ROW<a INT, b STRING>`, ...
struct TypeText {
  std::string name;                 // upper case: BIGINT, VARCHAR, ROW, ...
  std::vector<int64_t> params;      // DECIMAL(10, 2) -> {10, 2}
  struct Field;
  std::vector<Field> fields;        // ROW<...>
  SourceLocation loc;
};
struct TypeText::Field {
  Ident name;
  TypeText type;
};

struct Query;
using QueryPtr = std::shared_ptr<Query>;
struct Relation;
using RelationPtr = std::shared_ptr<Relation>;

enum class RelationKind {
  kTable,      // a table or view by name
  kSubquery,   // (SELECT ...)
  kJoin,       // left JOIN right ON ...
  kWindowTvf,  // TABLE(TUMBLE(TABLE t, DESCRIPTOR(c), INTERVAL ...))
};

struct Relation {
  RelationKind kind = RelationKind::kTable;
  SourceLocation loc;
  Ident name;       // kTable
  QueryPtr query;   // kSubquery
  Ident alias;      // kTable, kSubquery, kWindowTvf
  // kJoin
  std::string join_type;  // inner | left | right | full | cross
  RelationPtr left, right;
  ExprSpan on;
  SourceLocation on_loc;
  // kTable: FOR SYSTEM_TIME AS OF <expr>
  ExprSpan system_time;
  // kWindowTvf
  Ident function;          // TUMBLE | HOP | CUMULATE | SESSION (upper case)
  RelationPtr input;       // TABLE t, or a subquery
  Ident descriptor;        // DESCRIPTOR(col)
  std::vector<ExprSpan> arguments;  // the intervals, in order
};

struct SelectItem {
  ExprSpan expr;
  bool star = false;       // * or q.*
  Ident star_qualifier;
  Ident alias;             // empty: none written
  SourceLocation loc;
};

struct SelectBlock {
  SourceLocation loc;
  bool distinct = false;
  std::vector<SelectItem> items;
  RelationPtr from;        // null: SELECT without FROM
  ExprSpan where;
  std::vector<ExprSpan> group_by;
  SourceLocation group_by_loc;
  ExprSpan having;
};

struct CreateView;

/// One SELECT, or several joined by UNION ALL, after its WITH's named queries.
struct Query {
  std::vector<std::shared_ptr<CreateView>> with;  // WITH name AS (query), ...: views for this query only
  std::vector<SelectBlock> blocks;
  SourceLocation loc;
  size_t first_token = 0, last_token = 0;  // [first, last) of the script's tokens
};

struct ColumnDef {
  Ident name;
  TypeText type;           // empty name for a computed column
  ExprSpan computed;       // `name AS expr`
};

struct TableOption {
  std::string key, value;
  SourceLocation key_loc, value_loc;
};

struct CreateTable {
  Ident name;
  std::vector<ColumnDef> columns;
  Ident watermark_column;  // WATERMARK FOR c AS expr
  ExprSpan watermark;
  std::vector<Ident> primary_key;
  std::vector<TableOption> options;
};

struct CreateView {
  Ident name;
  QueryPtr query;
};

struct Insert {
  Ident table;
  QueryPtr query;
};

struct SetOption {
  std::string key, value;
  SourceLocation key_loc, value_loc;
};

struct CreateFunction {
  Ident name;
  std::string target;  // 'library.so:symbol'
  SourceLocation target_loc;
};

struct Statement {
  enum class Kind { kSet, kCreateTable, kCreateView, kInsert, kSelect, kExplain, kStatementSet, kCreateFunction };
  Kind kind = Kind::kSet;
  SourceLocation loc;
  SetOption set;
  CreateTable table;
  CreateView view;
  Insert insert;                    // kInsert
  std::vector<Insert> inserts;      // kStatementSet
  QueryPtr query;                   // kSelect
  std::shared_ptr<Statement> explained;  // kExplain
  CreateFunction function;
};

}  // namespace eddy::sql
