// CREATE TABLE ... WITH (...): which connector a table reads or writes, under
// Flink's connector names and option keys (docs/sql.md, "Connectors"), turned
// into the source and sink specs that pipeline files make.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plan/pipeline_spec.h"
#include "sql/sql_ast.h"

namespace eddy::sql {

struct TableDef {
  CreateTable ddl;
  std::string connector;  // nexmark | datagen | filesystem | print | blackhole | jdbc | redis
  std::map<std::string, TableOption> options;
  bool readable() const { return connector != "print" && connector != "blackhole" && connector != "redis"; }
  bool writable() const {
    return connector == "print" || connector == "blackhole" || connector == "filesystem" || connector == "jdbc" ||
           connector == "redis" || connector == "kafka";
  }
  const TableOption* option(const std::string& key) const {
    auto it = options.find(key);
    return it == options.end() ? nullptr : &it->second;
  }
};

/// Checks the connector, its options and the column types; nullopt after diagnostics.
std::optional<TableDef> check_table(const CreateTable& ddl, std::vector<Diagnostic>& diags);

/// eddy's type for a declared column type; nullopt (with a diagnostic) for
/// types eddy has no column for.
std::optional<DataType> column_type(const TypeText& type, std::vector<Diagnostic>& diags);

/// The source a table reads: file or datagen with its declared physical
/// columns, or (nexmark) the generator of one event kind (0 person, 1
/// auction, 2 bid). Event time is the planner's to set.
bool make_source(const TableDef& table, int nexmark_kind, SourceSpec& out, std::vector<Diagnostic>& diags);
/// A 'jdbc' or 'redis' table as the table of a lookup join (SourceType kJdbc,
/// kRedis): its columns and lookup options (docs/connectors.md).
bool make_lookup_table(const TableDef& table, SourceSpec& out, std::vector<Diagnostic>& diags);

/// The sink a table writes.
bool make_sink(const TableDef& table, SinkSpec& out, std::vector<Diagnostic>& diags);

/// Nexmark's field names in Flink's DDL (camelCase) -> the generator's columns.
std::string nexmark_column(const std::string& flink_name);

}  // namespace eddy::sql
