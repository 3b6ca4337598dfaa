// The jdbc source: a bounded scan of a PostgreSQL table, as Flink's JDBC
// table source reads one (docs/connectors.md). With `scan.partition.*` the
// rows whose partition column lies in [lower-bound, upper-bound] are cut into
// `scan.partition.num` ranges, one split each, read in parallel; without, the
// table is one split. Each split is read through a cursor in a read-only
// transaction, `scan.fetch-size` rows per FETCH, in a fixed order (the
// partition column, then ctid), so a split read part-way resumes after the
// rows it already emitted.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "connectors/lookup_options.h"
#include "connectors/source.h"
#include "core/schema.h"

namespace eddy {

struct JdbcScanConfig {
  std::string url;         // jdbc:postgresql://HOST[:PORT]/DB
  std::string table;       // table-name, optionally schema.table
  std::string username;
  std::string password;    // may be ${env:NAME}, expanded when a split is read
  SchemaPtr schema;        // the columns read, by name
  std::string partition_column;  // scan.partition.column; empty: one split
  int64_t partition_num = 1;     // scan.partition.num
  int64_t lower_bound = 0;       // scan.partition.lower-bound (inclusive)
  int64_t upper_bound = 0;       // scan.partition.upper-bound (inclusive)
  int64_t fetch_size = 10000;    // scan.fetch-size: rows per FETCH
};

/// A scan of the table that `table`'s jdbc options (url, table-name,
/// credentials, columns) name; its own scan options not yet set.
JdbcScanConfig jdbc_scan_of(const LookupTableConfig& table);

/// The scan options (Flink's names): scan.partition.column, .num,
/// .lower-bound, .upper-bound, scan.fetch-size.
const std::vector<std::string>& jdbc_scan_option_keys();

/// Fills the scan options of `config` from `options` (key -> value); each
/// problem goes to `error(key, message)`. The four partition options come
/// together or not at all, as in Flink.
void parse_jdbc_scan_options(const std::map<std::string, std::string>& options, JdbcScanConfig& config,
                             const std::function<void(const std::string&, const std::string&)>& error);

/// The splits: Split::begin/end hold a range's inclusive bounds, index/count
/// its place; position counts the rows already read (0 for a new split).
/// Ranges are as even as the bounds allow; never more ranges than values.
std::vector<Split> jdbc_scan_splits(const JdbcScanConfig& config);

/// The SELECT of a split: each column cast to the type eddy reads it as
/// (timestamps as epoch milliseconds), the range in WHERE, a fixed order.
std::string jdbc_scan_query(const JdbcScanConfig& config, const Split& split);

std::unique_ptr<SplitEnumerator> make_jdbc_scan_enumerator(const JdbcScanConfig& config);
std::unique_ptr<SourceReader> make_jdbc_scan_reader(const JdbcScanConfig& config);

}  // namespace eddy
