// msgpack for absl::InlinedVector: packed and read as an array, as msgpack-c
// does std::vector, so window state may hold a few elements inline and still
// name them in MSGPACK_DEFINE (the bytes are those of a std::vector).
#pragma once

#include <absl/container/inlined_vector.h>
#include <msgpack.hpp>

#include <cstddef>

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

template <typename T, size_t N, typename A>
struct convert<absl::InlinedVector<T, N, A>> {
  const msgpack::object& operator()(const msgpack::object& o, absl::InlinedVector<T, N, A>& v) const {
    if (o.type != msgpack::type::ARRAY) throw msgpack::type_error();
    v.resize(o.via.array.size);
    for (uint32_t i = 0; i < o.via.array.size; ++i) o.via.array.ptr[i].convert(v[i]);
    return o;
  }
};

template <typename T, size_t N, typename A>
struct pack<absl::InlinedVector<T, N, A>> {
  template <typename Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o,
                                      const absl::InlinedVector<T, N, A>& v) const {
    o.pack_array(checked_get_container_size(v.size()));
    for (const T& e : v) o.pack(e);
    return o;
  }
};

}  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS)
}  // namespace msgpack
