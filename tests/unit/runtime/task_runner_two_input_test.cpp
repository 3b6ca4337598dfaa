// Unit tests of a two-input vertex in TaskRunner (src/runtime): a hand-built
// JobGraph whose last vertex reads a left and a right source through hash
// exchanges of other parallelisms, hosting a test operator that records what
// it sees of each input and keeps keyed state the runtime snapshots and
// restores, also at another parallelism.
#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "operators/window_key_grouper.h"
#include "state/keyed_state_backend.h"
#include "unit/runtime/test_cluster.h"
#include "unit/temp_dir.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

constexpr int kKeyColumn = 1;  // k, in both inputs
constexpr int kJoinVertex = 2;

/// What every Recorder of a test saw, by subtask.
struct Log {
  std::map<int32_t, std::vector<std::pair<int, int64_t>>> rows;  // (input, id)
  std::map<int32_t, std::array<int64_t, 2>> at_barrier;          // keyed counts per input at the snapshot
  std::map<int32_t, std::array<int64_t, 2>> restored;            // keyed counts per input after a restore
  std::map<int32_t, int> finished;
};

/// Two inputs; counts each key's rows per input in keyed state (namespace =
/// input) and checks the watermarks the host hands it.
class Recorder final : public Operator {
 public:
  Recorder(Log& log, SchemaPtr schema) : log_(log), schema_(std::move(schema)) {}
  int input_count() const override { return 2; }
  bool uses_keyed_state() const override { return true; }
  Status open(const OperatorContext& ctx) override {
    if (ctx.keyed_state == nullptr) return Status::internal("no keyed state");
    ctx_ = ctx;
    counts_ = &ctx.keyed_state->value_state<int64_t>("count");
    return Status::ok();
  }
  Status process(const RecordBatchPtr&, Collector&) override {
    return Status::internal("a two-input operator gets process_input()");
  }
  Status process_input(int input, const RecordBatchPtr& batch, Collector&) override {
    CHECK((input == kLeftInput || input == kRightInput));
    CHECK_FALSE(ended_[input]);
    for (size_t r = 0; r < batch->num_rows; ++r)
      log_.rows[ctx_.subtask_index].emplace_back(input, batch->columns[0].ints[r]);
    std::vector<uint32_t> rows(batch->num_rows);
    for (size_t r = 0; r < rows.size(); ++r) rows[r] = static_cast<uint32_t>(r);
    grouper_.group(*batch, {kKeyColumn}, ctx_.max_parallelism, 0, rows.data(), rows.size());
    for (size_t g = 0; g < grouper_.num_groups(); ++g) {
      ctx_.keyed_state->set_current_key(grouper_.key(g), grouper_.key_group(g));  // aborts if not ours
      counts_->get_or_create(input) += static_cast<int64_t>(grouper_.row_count(g));
    }
    return Status::ok();
  }
  Status on_input_watermark(int input, int64_t w, Collector&) override {
    CHECK(w > input_wm_[input]);  // each input's only advances
    input_wm_[input] = w;
    if (w == kEndOfTimeWatermark) ended_[input] = true;
    return Status::ok();
  }
  Status on_watermark(int64_t w, Collector&) override {
    // The subtask's watermark never passes either input's.
    // (Unless restored: the watermark of the cut comes before any input's.)
    if (w != kEndOfTimeWatermark && input_wm_[0] != kNoWatermark && input_wm_[1] != kNoWatermark)
      CHECK(w <= std::min(input_wm_[0], input_wm_[1]));
    return Status::ok();
  }
  Status finish(Collector&) override {
    CHECK(ended_[0]);
    CHECK(ended_[1]);
    ++log_.finished[ctx_.subtask_index];
    return Status::ok();
  }
  Status snapshot_operator_state(int64_t, std::string& out) override {
    out.clear();
    log_.at_barrier[ctx_.subtask_index] = totals();
    return Status::ok();
  }
  Status on_state_restored() override {
    log_.restored[ctx_.subtask_index] = totals();
    return Status::ok();
  }
  SchemaPtr output_schema() const override { return schema_; }

 private:
  std::array<int64_t, 2> totals() {
    std::array<int64_t, 2> t{0, 0};
    counts_->for_each([&](int32_t, const std::string&, int64_t ns, int64_t& n) { t[static_cast<size_t>(ns)] += n; });
    return t;
  }
  Log& log_;
  SchemaPtr schema_;
  OperatorContext ctx_;
  ValueState<int64_t>* counts_ = nullptr;
  KeyGrouper grouper_;
  int64_t input_wm_[2] = {kNoWatermark, kNoWatermark};
  bool ended_[2] = {false, false};
};

std::string sources_text(int left_rows, int left_p, int right_rows, int right_p) {
  auto source = [](const char* name, int rows, int p) {
    return std::string("  - { name: ") + name + ", type: datagen, rows: " + std::to_string(rows) +
           ", parallelism: " + std::to_string(p) +
           ", fields: { id: { kind: sequence }, k: { kind: random, min: 1, max: 40 }, "
           "ts: { kind: timestamp, start: \"2024-01-01 00:00:00\", step: 1ms } }, event_time: { column: ts } }\n";
  };
  return "name: two\nexecution: { batch_size: 64 }\nsources:\n" + source("left", left_rows, left_p) +
         source("right", right_rows, right_p) +
         "operators:\n  - { name: j, input: left, filter: \"true\" }\n"
         "sinks:\n  - { name: out, input: j, type: blackhole }\n  - { name: rout, input: right, type: blackhole }\n";
}

/// left (vertex 0) and right (vertex 1) -> j (vertex 2, `join_p` subtasks), both hash on k.
JobGraphPtr two_input_graph(int left_rows, int left_p, int right_rows, int right_p, int join_p) {
  JobGraphPtr loaded = Cluster::load(sources_text(left_rows, left_p, right_rows, right_p));
  auto g = std::make_shared<JobGraph>();
  g->spec = loaded->spec;
  auto node_named = [&](const std::string& name) {
    for (const auto& n : loaded->nodes)
      if (n.name == name) return n;
    FAIL("no node " << name);
    return LogicalNode{};
  };
  LogicalNode left = node_named("left"), right = node_named("right"), j = node_named("j");
  left.outputs = {2};
  left.vertex = 0;
  right.outputs = {2};
  right.vertex = 1;
  j.input = 0;
  j.right_input = 1;
  j.input_schema = left.output_schema;
  j.right_input_schema = right.output_schema;
  j.input_partitioning = j.right_input_partitioning = EdgePartitioning::kHash;
  j.key_columns = j.right_key_columns = {kKeyColumn};
  j.parallelism = join_p;
  j.outputs.clear();
  j.vertex = kJoinVertex;
  g->nodes = {left, right, j};
  g->vertices = {JobVertex{0, {0}, left_p, "left", {}, {0}}, JobVertex{1, {1}, right_p, "right", {}, {1}},
                 JobVertex{kJoinVertex, {2}, join_p, "j", {0, 1}, {}}};
  for (int input : {kLeftInput, kRightInput}) {
    JobEdge e;
    e.id = input;
    e.from_vertex = input;
    e.to_vertex = kJoinVertex;
    e.from_node = input;
    e.to_node = 2;
    e.to_input = input;
    e.partitioning = EdgePartitioning::kHash;
    e.key_columns = {kKeyColumn};
    e.schema = g->nodes[static_cast<size_t>(input)].output_schema;
    g->edges.push_back(e);
  }
  return g;
}

TaskOptions recorder_options(Log& log, const std::string& checkpoint_root = "") {
  TaskOptions o;
  o.checkpoint_root = checkpoint_root;
  o.make_operators = [&log](const JobGraph& graph, int vertex) -> Result<std::vector<OperatorPtr>> {
    if (vertex != kJoinVertex) return make_chain_operators(graph, vertex);
    std::vector<OperatorPtr> ops;
    ops.push_back(std::make_unique<Recorder>(log, graph.nodes[0].output_schema));
    return ops;
  };
  return o;
}

}  // namespace

TEST_CASE("the channel layout maps each channel of a two-input vertex to its input") {
  JobGraphPtr g = two_input_graph(10, 2, 10, 3, 2);
  CHECK(input_count(*g, kJoinVertex) == 2);
  CHECK(input_count(*g, 0) == 0);
  CHECK(input_channel_count(*g, kJoinVertex) == 5);
  CHECK(channel_inputs(*g, kJoinVertex) == std::vector<int>{0, 0, 1, 1, 1});
  // Right producer 2 reaches join subtask 1 on channel 2 + 2.
  CHECK(input_channel_of(*g, 1, 2) == 4);
  const auto peers = input_peers(*g, kJoinVertex, 1);
  REQUIRE(peers.size() == 5);
  CHECK(peers[4].vertex == 1);
  CHECK(peers[4].subtask == 2);
  CHECK(peers[0].vertex == 0);
}

TEST_CASE("a two-input vertex reads every row of both inputs once, by key group, in any delivery order") {
  for (uint32_t seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    Log log;
    Cluster c(two_input_graph(3000, 2, 2000, 3, 2), seed, recorder_options(log));
    c.run();
    REQUIRE(c.all_finished());
    std::multiset<std::pair<int, int64_t>> seen;
    for (const auto& [subtask, rows] : log.rows) seen.insert(rows.begin(), rows.end());
    CHECK(seen.size() == 5000);
    for (int64_t id = 0; id < 3000; ++id) CHECK(seen.count({kLeftInput, id}) == 1);
    for (int64_t id = 0; id < 2000; ++id) CHECK(seen.count({kRightInput, id}) == 1);
    CHECK(log.finished == std::map<int32_t, int>{{0, 1}, {1, 1}});
    CHECK(c.records_in("j") == 5000);
  }
}

TEST_CASE("a checkpoint barrier aligns across both inputs, and the keyed state restores at any parallelism") {
  eddy::test::TempDir dir;
  std::filesystem::create_directories(dir.file("chk-1"));  // the coordinator's part
  Log log;
  JobGraphPtr graph = two_input_graph(20000, 2, 12000, 3, 2);
  Cluster c(graph, 5, recorder_options(log, dir.path()));
  // Each source subtask injects barrier 1 at its own point; what it read before counts.
  std::array<int64_t, 2> before{0, 0};
  int round = 0;
  for (int vertex : {0, 1}) {
    for (int32_t i = 0; i < graph->vertices[static_cast<size_t>(vertex)].parallelism; ++i) {
      c.run(std::nullopt, 200 + 150 * round++);
      const Address s{vertex, i};
      REQUIRE(c.runner(s).trigger_checkpoint(1).is_ok());
      before[static_cast<size_t>(vertex)] += static_cast<int64_t>(c.runner(s).metrics()[0].records_out);
    }
  }
  c.run();
  REQUIRE(c.all_finished());
  CheckpointMetadata meta;
  meta.id = 1;
  meta.max_parallelism = graph->spec.max_parallelism;
  for (int32_t i = 0; i < 2; ++i) {
    c.finish_written({kJoinVertex, i}, 1);
    FakeHost& h = c.host({kJoinVertex, i});
    const std::string why = h.decline_reasons.empty() ? std::string() : h.decline_reasons[0];
    INFO(why);
    REQUIRE(h.acked == std::vector<int64_t>{1});
    meta.subtasks.push_back(h.acked_snapshots[0]);
  }
  // Exactly the rows read before each source's barrier were in state at the snapshot.
  std::array<int64_t, 2> at_barrier{0, 0};
  for (const auto& [subtask, t] : log.at_barrier)
    for (size_t in = 0; in < 2; ++in) at_barrier[in] += t[in];
  CHECK(at_barrier == before);
  CHECK(before[0] > 0);
  CHECK(before[0] < 20000);

  for (int32_t parallelism : {2, 1, 3}) {
    CAPTURE(parallelism);
    Log after;
    JobGraphPtr rescaled = two_input_graph(20000, 2, 12000, 3, parallelism);
    TaskOptions o = recorder_options(after, dir.path());
    std::array<int64_t, 2> restored{0, 0};
    for (int32_t i = 0; i < parallelism; ++i) {
      QuietTaskHost host;
      TaskRunner r(rescaled, kJoinVertex, i, host, o);
      REQUIRE(r.open().is_ok());
      Status st = r.restore(dir.file("chk-1"), meta);
      REQUIRE_MESSAGE(st.is_ok(), st.message());
      for (size_t in = 0; in < 2; ++in) restored[in] += after.restored.at(i)[in];
    }
    CHECK(restored == before);
  }
}
