// The blackhole sink factory.
#include "connectors/blackhole_sink.h"

namespace eddy {

OperatorPtr make_blackhole_sink(SchemaPtr input) {
  return std::make_unique<BlackholeSink>(std::move(input));
}

}  // namespace eddy
