#include "sim/population.hpp"

#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/checkpoint.hpp"
#include "sim/errors.hpp"

namespace migrasim {

std::string_view to_string(LegalStatus s) {
  switch (s) {
    case LegalStatus::in_transit:
      return "in_transit";
    case LegalStatus::regular:
      return "regular";
    case LegalStatus::irregular:
      return "irregular";
    case LegalStatus::overstayer:
      return "overstayer";
    case LegalStatus::applicant:
      return "applicant";
    case LegalStatus::temporary_protection:
      return "temporary_protection";
    case LegalStatus::regularised:
      return "regularised";
    case LegalStatus::detained:
      return "detained";
    case LegalStatus::returned:
      return "returned";
    case LegalStatus::dead:
      return "dead";
    case LegalStatus::missing:
      return "missing";
  }
  return "unknown";
}

std::string_view age_band_name(int band) {
  switch (band) {
    case 0:
      return "0-17";
    case 1:
      return "18-34";
    case 2:
      return "35-59";
    case 3:
      return "60+";
    default:
      return "unknown";
  }
}

// clang-format off
#define MIGRASIM_FOR_EACH_COLUMN(F) \
  F(place) F(arc) F(km_done) F(origin) F(destination) F(nationality) F(departure_day) F(entry_day) \
  F(status_since) F(wait_days) F(legal_status) F(age_band) F(sex) F(flags) F(driver)
// clang-format on

std::string_view to_string(ColumnType t) {
  switch (t) {
    case ColumnType::u8:
      return "u8";
    case ColumnType::u16:
      return "u16";
    case ColumnType::i16:
      return "i16";
    case ColumnType::i32:
      return "i32";
    case ColumnType::f32:
      return "f32";
  }
  return "unknown";
}

std::size_t size_of(ColumnType t) {
  switch (t) {
    case ColumnType::u8:
      return 1;
    case ColumnType::u16:
    case ColumnType::i16:
      return 2;
    case ColumnType::i32:
    case ColumnType::f32:
      return 4;
  }
  return 0;
}

namespace {

template <class T>
std::string type_label() {
  if constexpr (std::is_enum_v<T>)
    return type_label<std::underlying_type_t<T>>();
  else if constexpr (std::is_floating_point_v<T>)
    return "f" + std::to_string(8 * sizeof(T));
  else
    return (std::is_signed_v<T> ? "i" : "u") + std::to_string(8 * sizeof(T));
}

detail::ColumnData make_data(ColumnType t) {
  switch (t) {
    case ColumnType::u8:
      return std::vector<std::uint8_t>{};
    case ColumnType::u16:
      return std::vector<std::uint16_t>{};
    case ColumnType::i16:
      return std::vector<std::int16_t>{};
    case ColumnType::i32:
      return std::vector<std::int32_t>{};
    case ColumnType::f32:
      return std::vector<float>{};
  }
  throw InternalError("unknown column type");
}

// A second declaration of `name` is the same column only when both are shared and say the same thing.
void check_same(const ColumnSpec& first, const std::vector<std::string>& first_by, const ColumnSpec& again,
                bool same_type, std::string_view by) {
  const std::string who =
      fmt::format("'{}' (declared by {}, again by {})", first.name, fmt::join(first_by, ", "), by);
  if (!first.shared || !again.shared)
    throw InternalError("agent column " + who +
                        ": a column written by two mechanisms must be declared shared");
  if (!same_type || first.fill != again.fill || first.meaning != again.meaning)
    throw InternalError("shared agent column " + who + " is declared with another type, fill or meaning");
}

}  // namespace

std::int32_t Population::declare_column(const ColumnSpec& spec, ColumnType type, std::string_view by) {
  for (std::size_t k = 0; k < declared_.size(); ++k) {
    auto& c = declared_[k];
    if (c.spec.name != spec.name) continue;
    check_same(c.spec, c.declared_by, spec, c.type == type, by);
    c.declared_by.emplace_back(by);
    return static_cast<std::int32_t>(k);
  }
  for (const auto& f : flags_declared_)
    if (f.spec.name == spec.name)
      throw InternalError("agent column '" + spec.name + "' is declared as a flag");
  detail::DeclaredColumn c{spec, type, {std::string(by)}, make_data(type)};
  std::visit(
      [&](auto& v) {
        v.reserve(place.capacity());
        v.resize(size(), static_cast<typename std::decay_t<decltype(v)>::value_type>(spec.fill));
      },
      c.data);
  declared_.push_back(std::move(c));
  return static_cast<std::int32_t>(declared_.size() - 1);
}

FlagBit Population::declare_flag(const ColumnSpec& spec, std::string_view by) {
  for (auto& f : flags_declared_) {
    if (f.spec.name != spec.name) continue;
    check_same(f.spec, f.declared_by, spec, true, by);
    f.declared_by.emplace_back(by);
    return FlagBit{f.mask};
  }
  for (const auto& c : declared_)
    if (c.spec.name == spec.name)
      throw InternalError("agent flag '" + spec.name + "' is declared as a column");
  const std::size_t bit = agent_flag::kernel_bits + flags_declared_.size();
  if (bit >= 8)
    throw InternalError(fmt::format("agent flag '{}' (by {}): the {} free flag bits are all declared",
                                    spec.name, by, 8 - agent_flag::kernel_bits));
  const auto mask = static_cast<std::uint8_t>(1u << bit);
  flags_declared_.push_back({spec, mask, {std::string(by)}});
  return FlagBit{mask};
}

std::int32_t Population::find_column(std::string_view name, ColumnType type) const {
  for (std::size_t k = 0; k < declared_.size(); ++k)
    if (declared_[k].spec.name == name) {
      if (declared_[k].type != type)
        throw InternalError(fmt::format("agent column '{}' is {}, not {}", name, to_string(declared_[k].type),
                                        to_string(type)));
      return static_cast<std::int32_t>(k);
    }
  throw InternalError(fmt::format("no agent column '{}' declared", name));
}

FlagBit Population::find_flag(std::string_view name) const {
  for (const auto& f : flags_declared_)
    if (f.spec.name == name) return FlagBit{f.mask};
  throw InternalError(fmt::format("no agent flag '{}' declared", name));
}

void Population::reset(std::size_t i, place_id at, std::int32_t day) {
  place[i] = at;
  arc[i] = -1;
  km_done[i] = 0;
  origin[i] = at;
  destination[i] = -1;
  nationality[i] = -1;
  departure_day[i] = entry_day[i] = status_since[i] = store_day(day);
  wait_days[i] = 0;
  legal_status[i] = LegalStatus::in_transit;
  age_band[i] = 1;
  sex[i] = Sex::female;
  flags[i] = 0;
  for (auto& c : declared_)
    std::visit(
        [&](auto& v) { v[i] = static_cast<typename std::decay_t<decltype(v)>::value_type>(c.spec.fill); },
        c.data);
}

void Population::resize(std::size_t n) {
#define MIGRASIM_RESIZE(c) c.resize(n);
  MIGRASIM_FOR_EACH_COLUMN(MIGRASIM_RESIZE)
#undef MIGRASIM_RESIZE
  for (auto& c : declared_)
    std::visit(
        [&](auto& v) {
          v.resize(n, static_cast<typename std::decay_t<decltype(v)>::value_type>(c.spec.fill));
        },
        c.data);
}

void Population::reserve(std::size_t n) {
#define MIGRASIM_RESERVE(c) c.reserve(n);
  MIGRASIM_FOR_EACH_COLUMN(MIGRASIM_RESERVE)
#undef MIGRASIM_RESERVE
  for (auto& c : declared_) std::visit([&](auto& v) { v.reserve(n); }, c.data);
}

// Every column in the order of describe_columns(), each after its name; declared flags by name and bit.
void Population::save_state(StateWriter& out) const {
  out.section("population");
  out.put(static_cast<std::uint64_t>(size()));
#define MIGRASIM_SAVE(c)    \
  out.put(std::string(#c)); \
  out.put(c);
  MIGRASIM_FOR_EACH_COLUMN(MIGRASIM_SAVE)
#undef MIGRASIM_SAVE
  out.put(static_cast<std::uint64_t>(declared_.size()));
  for (const auto& c : declared_) {
    out.put(c.spec.name);
    out.put(static_cast<std::uint8_t>(c.type));
    std::visit([&](const auto& v) { out.put(v); }, c.data);
  }
  out.put(static_cast<std::uint64_t>(flags_declared_.size()));
  for (const auto& f : flags_declared_) out.fields(f.spec.name, f.mask);
}

void Population::load_state(StateReader& in) {
  in.section("population");
  std::uint64_t n = 0;
  in.get(n);
  auto values = [&](const std::string& name, auto& v) {
    in.get(v);
    if (v.size() != n)
      in.fail("the column '" + name + "' holds " + std::to_string(v.size()) + " agents, not " +
              std::to_string(n));
  };
  auto column = [&](const std::string& expected, auto& v) {
    std::string name;
    in.get(name);
    if (name != expected) in.fail("expected the column '" + expected + "', found '" + name + "'");
    values(name, v);
  };
#define MIGRASIM_LOAD(c) column(#c, c);
  MIGRASIM_FOR_EACH_COLUMN(MIGRASIM_LOAD)
#undef MIGRASIM_LOAD
  std::uint64_t count = 0;
  in.get(count);
  if (count != declared_.size())
    in.fail(std::to_string(count) + " declared columns, expected " + std::to_string(declared_.size()));
  for (auto& c : declared_) {
    std::uint8_t type = 0;
    std::string name;
    in.get(name);
    in.get(type);
    if (name != c.spec.name || type != static_cast<std::uint8_t>(c.type))
      in.fail("the declared column '" + name + "', expected '" + c.spec.name + "' of type " +
              std::string(to_string(c.type)));
    std::visit([&](auto& v) { values(name, v); }, c.data);
  }
  in.get(count);
  if (count != flags_declared_.size())
    in.fail(std::to_string(count) + " declared flags, expected " + std::to_string(flags_declared_.size()));
  for (const auto& f : flags_declared_) {
    std::string name;
    std::uint8_t mask = 0;
    in.fields(name, mask);
    if (name != f.spec.name || mask != f.mask)
      in.fail("the declared flag '" + name + "', expected '" + f.spec.name + "'");
  }
}

std::size_t Population::capacity_bytes() const {
  std::size_t total = 0;
#define MIGRASIM_BYTES(c) total += c.capacity() * sizeof(c[0]);
  MIGRASIM_FOR_EACH_COLUMN(MIGRASIM_BYTES)
#undef MIGRASIM_BYTES
  for (const auto& c : declared_)
    std::visit([&](const auto& v) { total += v.capacity() * sizeof(v[0]); }, c.data);
  return total;
}

std::size_t Population::bytes_per_agent() const {
  std::size_t total = kernel_bytes_per_agent();
  for (const auto& c : declared_) total += size_of(c.type);
  return total;
}

std::vector<ColumnInfo> Population::describe_columns() const {
  std::vector<ColumnInfo> out;
#define MIGRASIM_DESCRIBE(c) \
  out.push_back({#c, type_label<decltype(c)::value_type>(), sizeof(c[0]), "kernel", ""});
  MIGRASIM_FOR_EACH_COLUMN(MIGRASIM_DESCRIBE)
#undef MIGRASIM_DESCRIBE
  for (const auto& c : declared_)
    out.push_back({c.spec.name, std::string(to_string(c.type)), size_of(c.type),
                   fmt::format("{}", fmt::join(c.declared_by, ", ")), c.spec.meaning});
  for (const auto& f : flags_declared_)
    out.push_back({f.spec.name, "bit", 0, fmt::format("{}", fmt::join(f.declared_by, ", ")), f.spec.meaning});
  return out;
}

std::string format_columns(const Population& population) {
  std::string out = fmt::format("{:<16} {:<4} {:>5}  {}\n", "agent column", "type", "bytes", "declared by");
  for (const auto& c : population.describe_columns())
    out += fmt::format("{:<16} {:<4} {:>5}  {}\n", c.name, c.type, c.bytes, c.declared_by);
  out += fmt::format("{:<16} {:<4} {:>5}  bytes per agent\n", "total", "", population.bytes_per_agent());
  return out;
}

}  // namespace migrasim
