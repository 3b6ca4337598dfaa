#include "operators/join_config.h"

namespace eddy {

const char* join_type_name(JoinType type) {
  switch (type) {
    case JoinType::kInner: return "inner";
    case JoinType::kLeft: return "left";
    case JoinType::kRight: return "right";
    case JoinType::kFull: return "full";
  }
  return "?";
}

const char* join_kind_name(JoinKind kind) {
  switch (kind) {
    case JoinKind::kRegular: return "regular";
    case JoinKind::kInterval: return "interval";
    case JoinKind::kWindow: return "window";
    case JoinKind::kLookup: return "lookup";
  }
  return "?";
}

}  // namespace eddy
