// Watermark stalls (monitor/watermark_stall.h).
#include "monitor/watermark_stall.h"

namespace eddy {
namespace {

std::string watermark_text(int64_t wm) { return wm == kWatermarkNone ? "none" : std::to_string(wm); }

/// The channel with the lowest watermark among those neither idle nor finished.
const ChannelInput* lagging_channel(const SubtaskInput& s) {
  const ChannelInput* low = nullptr;
  for (const auto& c : s.channels)
    if (!c.idle && !c.finished && (!low || c.watermark < low->watermark)) low = &c;
  return low;
}

bool any_watermark(const SubtaskInput& s) {
  if (!s.output_watermarks.empty() && s.output_watermarks.back().value != static_cast<double>(kWatermarkNone))
    return true;
  for (const auto& c : s.channels)
    if (c.watermark != kWatermarkNone) return true;
  return false;
}

}  // namespace

std::optional<WatermarkStall> subtask_watermark_stall(const VertexInput& v, const SubtaskInput& s,
                                                      const DiagnosisOptions& options) {
  const auto& wm = s.output_watermarks;
  const size_t n = static_cast<size_t>(options.stall_intervals);
  if (v.source || s.channels.empty() || wm.size() < n + 1 || !any_watermark(s)) return std::nullopt;
  size_t run = wm.size() - 1;  // the trailing run of equal values starts here
  while (run > 0 && wm[run - 1].value == wm.back().value) --run;
  if (wm.size() - run < n + 1) return std::nullopt;
  double flowed = 0;
  for (size_t i = s.records_in.size() > n ? s.records_in.size() - n : 0; i < s.records_in.size(); ++i)
    flowed += s.records_in[i].value;
  if (flowed <= 0) return std::nullopt;
  const ChannelInput* low = lagging_channel(s);
  if (!low) return std::nullopt;
  WatermarkStall st;
  st.subtask = s.subtask;
  st.input = low->input;
  st.channel = low->channel;
  st.watermark = low->watermark;
  st.since_ms = wm[run].time_ms;
  st.message = v.name + ": subtask " + std::to_string(s.subtask) + "'s watermark stands still since " +
               std::to_string(st.since_ms) + " ms while records come in; input " + std::to_string(st.input) +
               " channel " + std::to_string(st.channel) + " holds it back (watermark " +
               watermark_text(st.watermark) + ")";
  return st;
}

std::optional<WatermarkStall> find_watermark_stall(const VertexInput& v, const DiagnosisOptions& options) {
  std::optional<WatermarkStall> first;
  for (const auto& s : v.subtasks)
    if (auto st = subtask_watermark_stall(v, s, options); st && (!first || st->since_ms < first->since_ms))
      first = std::move(st);
  return first;
}

}  // namespace eddy
