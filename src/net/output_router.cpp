// Partitioning, queueing and credit-gated sending of one output edge (see
// output_router.h). Rows are copied only to cut or merge batches; whole
// batches of a good size travel on as the same shared pointer.
#include "net/output_router.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "core/hashing.h"
#include "core/key_groups.h"

namespace eddy {

const char* partitioning_name(Partitioning p) {
  switch (p) {
    case Partitioning::kForward: return "forward";
    case Partitioning::kRebalance: return "rebalance";
    case Partitioning::kHash: return "hash";
    case Partitioning::kBroadcast: return "broadcast";
  }
  return "unknown";
}

std::optional<Partitioning> parse_partitioning(std::string_view name) {
  for (Partitioning p : {Partitioning::kForward, Partitioning::kRebalance, Partitioning::kHash,
                         Partitioning::kBroadcast})
    if (name == partitioning_name(p)) return p;
  return std::nullopt;
}

uint64_t batch_bytes(const RecordBatch& batch) {
  uint64_t bytes = 0;
  for (const Column& c : batch.columns) {
    bytes += c.ints.size() * sizeof(int64_t) + c.doubles.size() * sizeof(double) + c.bools.size() +
             c.chars.size() + c.offsets.size() * sizeof(uint32_t) + c.valid.size();
  }
  return bytes;
}

Status OutputRouter::validate(const Options& o, const Schema& schema) {
  if (o.channels < 1) return Status::invalid("an output edge needs at least one channel");
  if (o.batch_size < 1) return Status::invalid("batch_size must be at least 1");
  if (o.producer_index < 0) return Status::invalid("producer_index must not be negative");
  if (o.partitioning == Partitioning::kForward && o.channels != 1)
    return Status::invalid("a forward edge has exactly one channel, not " +
                           std::to_string(o.channels));
  if (o.partitioning != Partitioning::kHash) return Status::ok();
  if (o.key_columns.empty()) return Status::invalid("hash partitioning needs key columns");
  for (int k : o.key_columns)
    if (k < 0 || static_cast<size_t>(k) >= schema.size())
      return Status::invalid("hash key column " + std::to_string(k) + " is not in (" +
                             schema.to_string() + ")");
  if (o.max_parallelism < o.channels)
    return Status::invalid("max_parallelism " + std::to_string(o.max_parallelism) +
                           " is below the parallelism " + std::to_string(o.channels));
  return Status::ok();
}

OutputRouter::OutputRouter(Options options, SchemaPtr schema)
    : options_(std::move(options)), schema_(std::move(schema)) {
  assert(validate(options_, *schema_).is_ok());
  channels_.resize(static_cast<size_t>(options_.channels));
  rr_next_ = options_.producer_index % options_.channels;
  if (options_.partitioning == Partitioning::kHash) {
    hash_builders_.reserve(channels_.size());
    for (size_t c = 0; c < channels_.size(); ++c) hash_builders_.emplace_back(schema_);
    rows_of_channel_.resize(channels_.size());
    if (options_.channels > 1) key_group_records_.assign(static_cast<size_t>(options_.max_parallelism), 0);
  } else {
    whole_builder_.emplace(schema_);
  }
}

void OutputRouter::add(const RecordBatchPtr& batch) {
  if (!batch || batch->num_rows == 0) return;
  assert(batch->columns.size() == schema_->size());
  if (options_.partitioning == Partitioning::kHash) {
    route_hash(batch);
  } else {
    route_whole(batch);
  }
}

bool OutputRouter::pass_through(const BatchBuilder& builder, size_t rows) const {
  // Only into an empty builder, or the batch would overtake the rows waiting there.
  return builder.empty() && rows >= std::max<size_t>(1, options_.batch_size / 2) &&
         rows <= options_.batch_size;
}

void OutputRouter::route_whole(const RecordBatchPtr& batch) {
  BatchBuilder& builder = *whole_builder_;
  const size_t n = batch->num_rows;
  if (pass_through(builder, n)) {
    emit_whole(batch);
    return;
  }
  if (builder.num_rows() + n <= options_.batch_size) {
    builder.append_all(*batch);
    if (builder.num_rows() == options_.batch_size) emit_whole(builder.finish());
    return;
  }
  fill(builder, *batch, row_indices(n), n, kWholeEdge);
}

void OutputRouter::route_hash(const RecordBatchPtr& batch) {
  const size_t n = batch->num_rows;
  const int32_t parallelism = options_.channels;
  for (auto& rows : rows_of_channel_) rows.clear();
  if (parallelism == 1) {
    const uint32_t* all = row_indices(n);  // one channel: no need to hash
    rows_of_channel_[0].assign(all, all + n);
  } else {
    hash_rows(*batch, options_.key_columns, hashes_);
    for (size_t r = 0; r < n; ++r) {
      const int32_t kg = key_group_for_hash(hashes_[r], options_.max_parallelism);
      ++key_group_records_[static_cast<size_t>(kg)];  // skew: which key groups are hot
      const int32_t c = subtask_for_key_group(options_.max_parallelism, parallelism, kg);
      rows_of_channel_[static_cast<size_t>(c)].push_back(static_cast<uint32_t>(r));
    }
  }
  for (size_t c = 0; c < channels_.size(); ++c) {
    const std::vector<uint32_t>& rows = rows_of_channel_[c];
    if (rows.empty()) continue;
    if (rows.size() == n && pass_through(hash_builders_[c], n)) {
      enqueue(static_cast<int>(c), OutboundItem{batch, std::nullopt});  // every row, in order
      continue;
    }
    fill(hash_builders_[c], *batch, rows.data(), rows.size(), static_cast<int>(c));
  }
}

void OutputRouter::fill(BatchBuilder& builder, const RecordBatch& src, const uint32_t* rows,
                        size_t n, int target) {
  while (n > 0) {
    const size_t take = std::min(n, options_.batch_size - builder.num_rows());
    builder.append_selected(src, rows, take);
    rows += take;
    n -= take;
    if (builder.num_rows() >= options_.batch_size) complete(target, builder.finish());
  }
}

void OutputRouter::complete(int target, RecordBatchPtr batch) {
  if (target == kWholeEdge) {
    emit_whole(std::move(batch));
  } else {
    enqueue(target, OutboundItem{std::move(batch), std::nullopt});
  }
}

void OutputRouter::emit_whole(RecordBatchPtr batch) {
  switch (options_.partitioning) {
    case Partitioning::kForward:
      enqueue(0, OutboundItem{std::move(batch), std::nullopt});
      break;
    case Partitioning::kHash:
      assert(false && "hash batches are queued per channel, never here");
      break;
    case Partitioning::kRebalance:
      shared_.push_back(OutboundItem{std::move(batch), std::nullopt});
      ++shared_batches_;
      ++queued_total_;
      break;
    case Partitioning::kBroadcast:
      for (int c = 0; c < channels(); ++c) enqueue(c, OutboundItem{batch, std::nullopt});
      break;
  }
}

void OutputRouter::enqueue(int channel, OutboundItem item) {
  Channel& ch = channels_[static_cast<size_t>(channel)];
  if (item.batch) {
    ++ch.batches;
    ++queued_total_;
  }
  ch.items.push_back(std::move(item));
}

void OutputRouter::flush() {
  if (whole_builder_) {
    if (!whole_builder_->empty()) emit_whole(whole_builder_->finish());
    return;
  }
  for (size_t c = 0; c < hash_builders_.size(); ++c)
    if (!hash_builders_[c].empty()) complete(static_cast<int>(c), hash_builders_[c].finish());
}

void OutputRouter::add_event(const StreamEvent& event) {
  flush();
  if (!shared_.empty()) {
    // Rebalance with batches still unassigned: the event waits behind them
    // and is queued on every channel once they have all gone.
    shared_.push_back(OutboundItem{nullptr, event});
    return;
  }
  for (int c = 0; c < channels(); ++c) enqueue(c, OutboundItem{nullptr, event});
}

void OutputRouter::add_credit(int channel, int32_t n) {
  assert(channel >= 0 && channel < channels());
  channels_[static_cast<size_t>(channel)].credit += n;
}

void OutputRouter::drain(const SendFn& send) {
  for (int c = 0; c < channels(); ++c) drain_channel(c, send);
  if (!shared_.empty()) drain_shared(send);
}

void OutputRouter::drain_channel(int channel, const SendFn& send) {
  Channel& ch = channels_[static_cast<size_t>(channel)];
  while (!ch.items.empty()) {
    if (ch.items.front().batch) {
      if (ch.credit <= 0) return;
      --ch.credit;
      --ch.batches;
      --queued_total_;
    }
    const OutboundItem item = std::move(ch.items.front());
    ch.items.pop_front();
    count_sent(item);
    send(channel, item, backlog_of(channel));
  }
}

void OutputRouter::drain_shared(const SendFn& send) {
  while (!shared_.empty()) {
    if (shared_.front().event) {
      // Every batch before the marker has gone: the event follows on every channel.
      const StreamEvent event = *shared_.front().event;
      shared_.pop_front();
      for (int c = 0; c < channels(); ++c) {
        enqueue(c, OutboundItem{nullptr, event});
        drain_channel(c, send);
      }
      continue;
    }
    const int c = pick_rebalance_channel();
    if (c < 0) return;
    --channels_[static_cast<size_t>(c)].credit;
    --shared_batches_;
    --queued_total_;
    const OutboundItem item = std::move(shared_.front());
    shared_.pop_front();
    count_sent(item);
    send(c, item, backlog_of(c));
  }
}

int OutputRouter::pick_rebalance_channel() {
  const int n = channels();
  int best = -1;
  int32_t best_credit = 0;
  for (int i = 0; i < n; ++i) {
    const int c = (rr_next_ + i) % n;
    const int32_t credit = channels_[static_cast<size_t>(c)].credit;
    if (credit > best_credit) {  // strictly more: the first of equals after rr_next_ wins
      best = c;
      best_credit = credit;
    }
  }
  if (best >= 0) rr_next_ = (best + 1) % n;
  return best;
}

int32_t OutputRouter::backlog_of(int channel) const {
  const size_t backlog = options_.partitioning == Partitioning::kRebalance
                             ? shared_batches_
                             : channels_[static_cast<size_t>(channel)].batches;
  return static_cast<int32_t>(std::min<size_t>(backlog, INT32_MAX));
}

const uint32_t* OutputRouter::row_indices(size_t n) {
  while (iota_.size() < n) iota_.push_back(static_cast<uint32_t>(iota_.size()));
  return iota_.data();
}

size_t OutputRouter::queued_batches(int channel) const {
  return channels_[static_cast<size_t>(channel)].batches;
}

int32_t OutputRouter::credit(int channel) const {
  return channels_[static_cast<size_t>(channel)].credit;
}

void OutputRouter::count_sent(const OutboundItem& item) {
  if (!item.batch) return;
  ++batches_sent_;
  bytes_sent_ += batch_bytes(*item.batch);
}

double OutputRouter::pool_usage() const {
  return std::min(1.0, static_cast<double>(queued_total_) / static_cast<double>(channels()));
}

int OutputRouter::waiting_channel() const {
  int best = -1;
  size_t most = 0;
  for (int c = 0; c < channels(); ++c) {
    const Channel& ch = channels_[static_cast<size_t>(c)];
    if (ch.credit > 0) continue;
    if (ch.batches > most || (best < 0 && shared_batches_ > 0)) {
      best = c;
      most = ch.batches;
    }
  }
  return best;
}

bool OutputRouter::has_partial_rows() const {
  if (whole_builder_) return !whole_builder_->empty();
  for (const BatchBuilder& b : hash_builders_)
    if (!b.empty()) return true;
  return false;
}

}  // namespace eddy
