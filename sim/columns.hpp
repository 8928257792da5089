#pragma once
// Agent columns that mechanisms declare (tskit's tables: a column has one meaning). The kernel keeps the
// columns every agent has in Population; each mechanism declares the columns and flag bits it needs, by name
// and type, before day 0, and reaches them through the handle it got back. A column may be declared by
// several mechanisms only when every declaration marks it shared and gives the same type, fill value and
// meaning; otherwise the simulation refuses to start.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace migrasim {

enum class ColumnType : std::uint8_t { u8, u16, i16, i32, f32 };
std::string_view to_string(ColumnType t);
std::size_t size_of(ColumnType t);

template <class T>
constexpr ColumnType column_type_of();
template <>
constexpr ColumnType column_type_of<std::uint8_t>() {
  return ColumnType::u8;
}
template <>
constexpr ColumnType column_type_of<std::uint16_t>() {
  return ColumnType::u16;
}
template <>
constexpr ColumnType column_type_of<std::int16_t>() {
  return ColumnType::i16;
}
template <>
constexpr ColumnType column_type_of<std::int32_t>() {
  return ColumnType::i32;
}
template <>
constexpr ColumnType column_type_of<float>() {
  return ColumnType::f32;
}

// A declared column: `index` into Population's declared columns.
template <class T>
struct Column {
  std::int32_t index = -1;
};

// A declared flag: one bit of the kernel's flags byte.
struct FlagBit {
  std::uint8_t mask = 0;
};

// What a mechanism says about a column or a flag it declares.
struct ColumnSpec {
  std::string name;     // e.g. "return_day"; shared columns keep one name for one meaning
  std::string meaning;  // one line, with the unit
  double fill = 0;      // value of every new agent
  bool shared = false;  // other mechanisms may declare it too, with the same type, fill and meaning
};

// One entry of Population::describe_columns(): a kernel column, a declared column or a flag.
struct ColumnInfo {
  std::string name;
  std::string type;         // "u8", "i32", ... or "bit" for a declared flag
  std::size_t bytes = 0;    // per agent (0 for a flag: it lives in the kernel's flags byte)
  std::string declared_by;  // "kernel", or the mechanisms that declared it, comma-separated
  std::string meaning;
};

namespace detail {
using ColumnData = std::variant<std::vector<std::uint8_t>, std::vector<std::uint16_t>,
                                std::vector<std::int16_t>, std::vector<std::int32_t>, std::vector<float>>;
struct DeclaredColumn {
  ColumnSpec spec;
  ColumnType type;
  std::vector<std::string> declared_by;
  ColumnData data;
};
struct DeclaredFlag {
  ColumnSpec spec;
  std::uint8_t mask;
  std::vector<std::string> declared_by;
};
}  // namespace detail

}  // namespace migrasim
