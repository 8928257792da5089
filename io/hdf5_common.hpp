#pragma once
// What the HDF5 writer, reader and comparisons share (inside io/ only: it includes hdf5.h): an owned
// identifier, error text from HDF5's stack, a guard that keeps HDF5 from printing to stderr, typed reads.
#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace migrasim::io::h5 {

// Turns HDF5's automatic error printing off for the lifetime of the guard and restores what was there before,
// so that the writer neither prints to stderr nor changes the library's state for other users.
class ErrorSilencer {
 public:
  ErrorSilencer() {
    if (H5Eget_auto2(H5E_DEFAULT, &func_, &data_) >= 0) {
      saved_ = true;
      H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
  }
  ~ErrorSilencer() {
    if (saved_) H5Eset_auto2(H5E_DEFAULT, func_, data_);
  }
  ErrorSilencer(const ErrorSilencer&) = delete;
  ErrorSilencer& operator=(const ErrorSilencer&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
  bool saved_ = false;
};

// The most specific message on HDF5's error stack (empty when there is none).
std::string error_text();
// Throws std::runtime_error "what (HDF5's message)".
[[noreturn]] void fail(const std::string& what);
inline void check(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

// An owned HDF5 identifier, closed with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and reports failure (reset() ignores it).
  herr_t close() {
    herr_t status = 0;
    if (id_ >= 0 && closer_ != nullptr) status = closer_(id_);
    id_ = H5I_INVALID_HID;
    return status;
  }
  void reset() { (void)close(); }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// `id` owned, or fail(what) when it is invalid.
Handle checked(hid_t id, Handle::Closer closer, const std::string& what);
Handle make_space(const std::vector<hsize_t>& dims, const std::vector<hsize_t>* maxdims = nullptr);
Handle utf8_string_type();  // variable-length UTF-8 strings

// Reading (hdf5_reader.cpp)

// A file that is HDF5 but lacks what a migrasim output has; callers turn it into an InputError.
struct NotMigrasim : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool has_link(hid_t loc, const char* name);
Handle open_dataset(hid_t loc, const char* name);  // NotMigrasim when absent
std::vector<hsize_t> extent(hid_t dataset);
std::vector<std::string> read_strings(hid_t loc, const char* name);  // variable-length UTF-8 labels
// One time slice [t] of an int64 variable (time, ...), flattened.
std::vector<std::int64_t> read_slice(hid_t loc, const char* name, hsize_t t);
// A whole variable as int64, flattened row-major; its shape in `shape` when given.
std::vector<std::int64_t> read_all_int64(hid_t loc, const char* name, std::vector<hsize_t>* shape = nullptr);
// An attribute as text (strings as they are, numbers formatted); empty if absent.
std::string attr_text(hid_t obj, const char* name);

}  // namespace migrasim::io::h5
