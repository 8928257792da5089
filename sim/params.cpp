#include "sim/params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "sim/errors.hpp"

namespace migrasim {

const char* to_string(ParamKind k) {
  switch (k) {
    case ParamKind::number:
      return "number";
    case ParamKind::integer:
      return "integer";
    case ParamKind::boolean:
      return "boolean";
    case ParamKind::text:
      return "text";
    case ParamKind::choice:
      return "choice";
    case ParamKind::date:
      return "date";
    case ParamKind::countries:
      return "countries";
    case ParamKind::places:
      return "places";
    case ParamKind::per_country:
      return "per_country";
    case ParamKind::per_country_series:
      return "per_country_series";
    case ParamKind::shares:
      return "shares";
    case ParamKind::records:
      return "records";
    case ParamKind::keyed_records:
      return "keyed_records";
    case ParamKind::country:
      return "country";
    case ParamKind::place:
      return "place";
    case ParamKind::per_place:
      return "per_place";
    case ParamKind::choice_list:
      return "choice_list";
    case ParamKind::window:
      return "window";
    case ParamKind::number_range:
      return "number_range";
    case ParamKind::names:
      return "names";
    case ParamKind::numbers:
      return "numbers";
  }
  return "?";
}

const ParamEntry* ParamTable::find(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

void doubt_in_force(std::int32_t from, std::int32_t until, const ParamContext& ctx,
                    const std::string& from_key, const std::string& until_key) {
  const std::string run = ctx.run_dates.empty() ? "" : " (the run: " + ctx.run_dates + ")";
  if (until < 0) throw ParamProblem(until_key, "ends before the run starts" + run + ": it changes nothing");
  if (from >= ctx.days)
    throw ParamProblem(from_key, "starts after the run ends" + run + ": it changes nothing");
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e10) return std::to_string(static_cast<std::int64_t>(v));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace {

std::string range_text(double lo, double hi) {
  if (std::isinf(lo) && std::isinf(hi)) return "";
  if (std::isinf(hi)) return " >= " + format_number(lo);
  if (std::isinf(lo)) return " <= " + format_number(hi);
  return " in [" + format_number(lo) + ", " + format_number(hi) + "]";
}

std::string with_unit(const ParamEntry& e) {
  return e.unit.empty() ? "" : " (" + e.unit + ")";
}

std::string list_text(const ParamEntry& e, const std::string& what) {
  if (e.length > 0) return "a list of " + std::to_string(e.length) + " " + what;
  return "a list of " + what;
}

}  // namespace

std::string expected_value_text(const ParamEntry& e) {
  switch (e.kind) {
    case ParamKind::integer:
      return (e.noun.empty() ? std::string("an integer") : e.noun) + range_text(e.lo, e.hi) + with_unit(e);
    case ParamKind::shares:
      return "a share in [0, 1]";
    default:
      return (e.noun.empty() ? std::string("a number") : e.noun) + range_text(e.lo, e.hi) + with_unit(e);
  }
}

std::string expected_text(const ParamEntry& e) {
  switch (e.kind) {
    case ParamKind::number:
    case ParamKind::integer:
      return expected_value_text(e);
    case ParamKind::boolean:
      return "true or false";
    case ParamKind::text:
      return "a non-empty text";
    case ParamKind::choice:
    case ParamKind::choice_list: {
      std::string s = e.kind == ParamKind::choice ? "one of " : "a list of words from ";
      for (std::size_t i = 0; i < e.choices.size(); ++i) s += (i ? ", " : "") + e.choices[i];
      return s;
    }
    case ParamKind::date:
      return e.within_run ? "a date YYYY-MM-DD within the run" : "a date YYYY-MM-DD";
    case ParamKind::window:
      return e.within_run ? "[open date, close date] within the run" : "[open date, close date]";
    case ParamKind::number_range:
      return "[min, max], each " + expected_value_text(e) + ", min <= max";
    case ParamKind::country:
      return "a country code listed in world.countries";
    case ParamKind::place:
      return "a place listed in world.locations";
    case ParamKind::per_place:
      return "a map from place name to " + expected_value_text(e);
    case ParamKind::countries:
      return list_text(e, "country codes listed in world.countries");
    case ParamKind::places:
      return list_text(e, "place names listed in world.locations");
    case ParamKind::per_country:
      return "a map from country code to " + expected_value_text(e);
    case ParamKind::per_country_series:
      return "a map from country code to a list of {date, value} with increasing dates, each value " +
             expected_value_text(e);
    case ParamKind::shares:
      return "a list of " + std::to_string(e.length) + " shares in [0, 1] summing to 1";
    case ParamKind::records:
      return "a list of records";
    case ParamKind::keyed_records:
      return e.keyed_by_place ? "a map from place name to a record" : "a map from name to a record";
    case ParamKind::names:
      return "a name or a non-empty list of names";
    case ParamKind::numbers:
      return (e.length > 0 ? "a list of " + std::to_string(e.length) : std::string("a non-empty list of")) +
             " numbers, each " + expected_value_text(e);
  }
  return "?";
}

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& shown, const ParamEntry& e) {
  throw InputError(path + " = " + shown + ": expected " + expected_text(e));
}

void check_number(const std::string& path, double v, const ParamEntry& e) {
  if (!std::isfinite(v) || v < e.lo || v > e.hi)
    throw InputError(path + " = " + format_number(v) + ": expected " + expected_value_text(e));
}

}  // namespace

void check_params(const ParamTable& table, const void* obj, const ParamContext& ctx,
                  const std::string& prefix) {
  const auto& countries = ctx.world.countries();
  for (const auto& e : table.entries()) {
    const std::string path = prefix.empty() ? e.key : prefix + "." + e.key;
    switch (e.kind) {
      case ParamKind::number: {
        const double v = e.get(obj).number;
        if (!(e.unset && v == *e.unset)) check_number(path, v, e);
        break;
      }
      case ParamKind::integer: {
        const auto v = static_cast<double>(e.get(obj).integer);
        if ((v < e.lo || v > e.hi) && !(e.unset && v == *e.unset)) bad(path, format_number(v), e);
        break;
      }
      case ParamKind::text:
        if (e.required && e.get(obj).text.empty()) bad(path, "''", e);
        break;
      case ParamKind::countries:
      case ParamKind::places: {
        const auto ids = e.get(obj).ids;
        if (e.length > 0 && !ids.empty() && ids.size() != e.length)
          bad(path, std::to_string(ids.size()) + " entries", e);
        const auto n = e.kind == ParamKind::countries ? countries.size() : ctx.world.places().size();
        for (auto id : ids)
          if (id < 0 || static_cast<std::size_t>(id) >= n) bad(path, "id " + std::to_string(id), e);
        break;
      }
      case ParamKind::per_country: {
        const auto v = e.get(obj).numbers;
        if (v.size() != countries.size()) throw InternalError(path + ": not sized to the world's countries");
        for (std::size_t c = 0; c < v.size(); ++c) check_number(path + "." + countries[c].code, v[c], e);
        break;
      }
      case ParamKind::per_country_series: {
        const auto s = e.get(obj).series;
        if (s.size() != countries.size()) throw InternalError(path + ": not sized to the world's countries");
        for (std::size_t c = 0; c < s.size(); ++c)
          for (std::size_t i = 0; i < s[c].size(); ++i) {
            const std::string at = path + "." + countries[c].code + "[" + std::to_string(i) + "]";
            check_number(at + ".value", s[c][i].value, e);
            if (i > 0 && s[c][i].day <= s[c][i - 1].day)
              throw InputError(at + ".date: dates must increase along the list");
          }
        break;
      }
      case ParamKind::shares: {
        const auto v = e.get(obj).numbers;
        if (e.unset && std::all_of(v.begin(), v.end(), [&](double x) { return x == *e.unset; }))
          break;  // not given
        double total = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
          check_number(path + "[" + std::to_string(i) + "]", v[i], e);
          total += v[i];
        }
        if (std::fabs(total - 1) > 1e-6)
          throw InputError(path + ": the shares sum to " + format_number(total) + ", expected " +
                           expected_text(e));
        break;
      }
      case ParamKind::records:
      case ParamKind::keyed_records: {
        const std::size_t n = e.count(obj);
        for (std::size_t i = 0; i < n; ++i)
          check_params(*e.fields, e.at(obj, i), ctx, path + "[" + std::to_string(i) + "]");
        break;
      }
      case ParamKind::country:
      case ParamKind::place: {
        const auto id = e.get(obj).integer;
        const auto n = e.kind == ParamKind::country ? countries.size() : ctx.world.places().size();
        if (e.required && (id < 0 || static_cast<std::size_t>(id) >= n))
          bad(path, "id " + std::to_string(id), e);
        break;
      }
      case ParamKind::per_place: {
        const auto v = e.get(obj).numbers;
        if (v.size() != ctx.world.places().size())
          throw InternalError(path + ": not sized to the world's places");
        for (std::size_t q = 0; q < v.size(); ++q)
          check_number(path + "." + ctx.world.places()[q].name, v[q], e);
        break;
      }
      case ParamKind::number_range: {
        const auto v = e.get(obj).numbers;
        check_number(path + "[0]", v[0], e);
        check_number(path + "[1]", v[1], e);
        if (v[1] < v[0]) bad(path, "[" + format_number(v[0]) + ", " + format_number(v[1]) + "]", e);
        break;
      }
      case ParamKind::window: {
        const auto v = e.get(obj).ids;
        if (v[1] < v[0]) throw InputError(path + ": the window closes before it opens");
        break;
      }
      case ParamKind::numbers: {
        const auto v = e.get(obj).numbers;
        if (v.empty() || (e.length > 0 && v.size() != e.length))
          bad(path, std::to_string(v.size()) + " entries", e);
        for (std::size_t i = 0; i < v.size(); ++i)
          check_number(path + "[" + std::to_string(i) + "]", v[i], e);
        break;
      }
      case ParamKind::names:
        for (const auto& name : e.get(obj).texts)
          if (name.empty()) bad(path, "''", e);
        break;
      case ParamKind::boolean:
      case ParamKind::choice:
      case ParamKind::choice_list:
      case ParamKind::date:
        break;
    }
  }
  for (const auto& rule : table.rules()) {
    try {
      rule.check(obj, ctx);
    } catch (const ParamProblem& p) {
      const std::string at = p.key.empty() ? prefix : (prefix.empty() ? p.key : prefix + "." + p.key);
      throw InputError(at + ": " + p.what());
    }
  }
}

}  // namespace migrasim
