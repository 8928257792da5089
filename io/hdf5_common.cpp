#include "io/hdf5_common.hpp"

#include <stdexcept>

namespace migrasim::io::h5 {

std::string error_text() {
  std::string text;
  auto walk = [](unsigned n, const H5E_error2_t* err, void* client) -> herr_t {
    auto* out = static_cast<std::string*>(client);
    if (n == 0 && err != nullptr && err->desc != nullptr) *out = err->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk, &text);
  return text;
}

void fail(const std::string& what) {
  const std::string detail = error_text();
  throw std::runtime_error(detail.empty() ? what : what + " (" + detail + ")");
}

Handle checked(hid_t id, Handle::Closer closer, const std::string& what) {
  if (id < 0) fail(what);
  return Handle(id, closer);
}

Handle make_space(const std::vector<hsize_t>& dims, const std::vector<hsize_t>* maxdims) {
  if (dims.empty()) return checked(H5Screate(H5S_SCALAR), H5Sclose, "cannot create a scalar dataspace");
  return checked(
      H5Screate_simple(static_cast<int>(dims.size()), dims.data(), maxdims ? maxdims->data() : nullptr),
      H5Sclose, "cannot create a dataspace");
}

Handle utf8_string_type() {
  Handle t = checked(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type");
  check(H5Tset_size(t.get(), H5T_VARIABLE), "cannot create a string type");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "cannot create a string type");
  return t;
}

}  // namespace migrasim::io::h5
