#pragma once
// The state of a run as bytes, for checkpoints (docs/reliability.md, "Checkpoints"). The kernel and the
// mechanisms write their state into a StateWriter and read it back from a StateReader in the same order;
// io/ puts the bytes in a file. Every value carries a kind and an element size, and every part of the state
// begins with a named section, so that a reader that expects something else stops with InputError naming
// the section and what it found, never reads garbage.
//
// Values: trivially copyable scalars, std::string, and std::vector / std::deque / std::array of those,
// nested to any depth. Bytes are written as the machine holds them (checkpoints move between runs of one
// binary, not between machines of another byte order).
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/errors.hpp"

namespace migrasim {

namespace state_detail {
enum Kind : std::uint8_t { scalar = 1, text = 2, sequence = 3, section = 4 };
template <class T>
struct is_sequence : std::false_type {};
template <class T, class A>
struct is_sequence<std::vector<T, A>> : std::true_type {};
template <class T, class A>
struct is_sequence<std::deque<T, A>> : std::true_type {};
template <class T, std::size_t N>
struct is_sequence<std::array<T, N>> : std::true_type {};
template <class T>
struct is_array : std::false_type {};
template <class T, std::size_t N>
struct is_array<std::array<T, N>> : std::true_type {};
template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};
// Written as one block of bytes: trivially copyable, and neither bool (vector<bool> has no data()) nor a
// pair (not trivially copyable in libstdc++) nor a nested sequence.
template <class T>
constexpr bool is_block_element =
    std::is_trivially_copyable_v<T> && !std::is_same_v<T, bool> && !is_sequence<T>::value;
}  // namespace state_detail

class StateWriter {
 public:
  // Begins a named part of the state (the kernel's, a mechanism's).
  void section(std::string_view name) {
    put_kind(state_detail::section, 0, name.size());
    raw(name.data(), name.size());
  }
  template <class T>
  void put(const T& value) {
    using namespace state_detail;
    if constexpr (std::is_same_v<T, std::string>) {
      put_kind(text, 1, value.size());
      raw(value.data(), value.size());
    } else if constexpr (is_sequence<T>::value) {
      using E = typename T::value_type;
      if constexpr (is_block_element<E> && std::is_same_v<T, std::deque<E>>) {
        put(std::vector<E>(value.begin(), value.end()));  // a queue as one block
      } else if constexpr (is_block_element<E>) {
        put_kind(sequence, sizeof(E), value.size());
        raw(value.data(), value.size() * sizeof(E));
      } else {
        put_kind(sequence, 0, value.size());
        for (const auto& e : value) put(e);
      }
    } else if constexpr (is_pair<T>::value) {
      put(value.first);
      put(value.second);
    } else {
      static_assert(std::is_trivially_copyable_v<T>, "StateWriter: a value must be trivially copyable");
      put_kind(scalar, sizeof(T), 1);
      raw(&value, sizeof(T));
    }
  }
  // Several values in order (StateReader::get reads them back with the same list).
  template <class... T>
  void fields(const T&... values) {
    (put(values), ...);
  }
  const std::vector<unsigned char>& bytes() const { return bytes_; }
  std::vector<unsigned char> take() { return std::move(bytes_); }

 private:
  void put_kind(std::uint8_t kind, std::uint32_t element_size, std::uint64_t count) {
    raw(&kind, 1);
    raw(&element_size, sizeof element_size);
    raw(&count, sizeof count);
  }
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  std::vector<unsigned char> bytes_;
};

class StateReader {
 public:
  // `what` names the source in messages (the checkpoint file).
  StateReader(const unsigned char* data, std::size_t size, std::string what)
      : data_(data), size_(size), what_(std::move(what)) {}
  // Expects the section `name` next.
  void section(std::string_view name) {
    const std::uint64_t n = expect(state_detail::section, 0, "section '" + std::string(name) + "'");
    const std::string found(reinterpret_cast<const char*>(take(n)), n);
    if (found != name) fail("expected the state of '" + std::string(name) + "', found '" + found + "'");
    section_ = found;
  }
  template <class T>
  void get(T& value) {
    using namespace state_detail;
    if constexpr (std::is_same_v<T, std::string>) {
      const std::uint64_t n = expect(text, 1, "text");
      value.assign(reinterpret_cast<const char*>(take(n)), n);
    } else if constexpr (is_sequence<T>::value) {
      using E = typename T::value_type;
      if constexpr (is_block_element<E> && std::is_same_v<T, std::deque<E>>) {
        std::vector<E> block;
        get(block);
        value.assign(block.begin(), block.end());
      } else if constexpr (is_block_element<E>) {
        const std::uint64_t n = expect(sequence, sizeof(E), "a sequence");
        if (n > (size_ - at_) / sizeof(E)) fail("a sequence runs past the end");
        resize(value, n);
        const void* from = take(n * sizeof(E));
        if (n != 0) std::memcpy(value.data(), from, n * sizeof(E));  // (an empty vector's data() may be null)
      } else {
        const std::uint64_t n = expect(sequence, 0, "a sequence");
        if (n > size_ - at_) fail("a sequence runs past the end");
        resize(value, n);
        for (auto& e : value) get(e);
      }
    } else if constexpr (is_pair<T>::value) {
      get(value.first);
      get(value.second);
    } else {
      static_assert(std::is_trivially_copyable_v<T>, "StateReader: a value must be trivially copyable");
      expect(scalar, sizeof(T), "a value");
      std::memcpy(&value, take(sizeof(T)), sizeof(T));
    }
  }
  template <class... T>
  void fields(T&... values) {
    (get(values), ...);
  }
  bool at_end() const { return at_ == size_; }
  [[noreturn]] void fail(const std::string& message) const {
    throw InputError(what_ + ": " + (section_.empty() ? "" : "in the state of '" + section_ + "': ") +
                     message + " (the checkpoint is damaged, or was written by another version of migrasim)");
  }

 private:
  template <class S>
  void resize(S& s, std::uint64_t n) {
    if constexpr (state_detail::is_array<S>::value) {
      if (n != s.size())
        fail("an array of " + std::to_string(n) + " values, expected " + std::to_string(s.size()));
    } else {
      s.resize(n);
    }
  }
  std::uint64_t expect(std::uint8_t kind, std::uint32_t element_size, const std::string& expected) {
    std::uint8_t k = 0;
    std::uint32_t e = 0;
    std::uint64_t n = 0;
    std::memcpy(&k, take(1), 1);
    std::memcpy(&e, take(sizeof e), sizeof e);
    std::memcpy(&n, take(sizeof n), sizeof n);
    if (k != kind || e != element_size)
      fail("expected " + expected + " (kind " + std::to_string(kind) + ", " + std::to_string(element_size) +
           "-byte elements), found kind " + std::to_string(k) + " with " + std::to_string(e) +
           "-byte elements");
    return n;
  }
  const unsigned char* take(std::uint64_t n) {
    if (n > size_ - at_) fail("the state ends early");
    const unsigned char* p = data_ + at_;
    at_ += static_cast<std::size_t>(n);
    return p;
  }
  const unsigned char* data_;
  std::size_t size_;
  std::size_t at_ = 0;
  std::string what_;
  std::string section_;
};

}  // namespace migrasim
