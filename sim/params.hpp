#pragma once
// Parameter tables. A mechanism describes each of its parameters once, beside its code: key path, kind,
// unit, range, description and source, bound to a field of its parameter struct (whose initial value is
// the default). Three things walk the same table, so that each check exists once:
//   - the generic scenario reader in io/ (io/param_reader.hpp), which fills a struct from YAML and names
//     file:line:column, key path, bad value and the expected kind *and* range in every error;
//   - check_params() below, which validates a struct built in code (tests, the Python API);
//   - the documentation generator (io/param_docs.hpp: docs/parameters.md, `migrasim params`).
// No file I/O here: a table is data.
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/schedule.hpp"
#include "sim/world.hpp"

namespace migrasim {

enum class ParamKind : std::uint8_t {
  number,              // a real number in [lo, hi]
  integer,             // a whole number in [lo, hi]
  boolean,             // true or false
  text,                // a non-empty text
  choice,              // one word of a fixed list
  date,                // an ISO date, stored as the simulation day (0 = the run's start date)
  countries,           // a list of country codes (of fixed length where `length` > 0)
  places,              // a list of place names (of fixed length where `length` > 0)
  per_country,         // a map from country code to a number in [lo, hi]; others take `fill`
  per_country_series,  // a map from country code to a step function: a list of {date, value}
  shares,              // a list of `length` shares in [0, 1] summing to 1
  records,             // a list of records, each read with its own table
  keyed_records,       // a map from a place name (or a free name) to a record read with its own table
  country,             // one country code
  place,               // one place name
  per_place,           // a map from place name to a number in [lo, hi]; others take `fill`
  choice_list,         // a list of words of a fixed list
  window,              // [open date, close date], close on or after open
  number_range,        // [min, max], two numbers in [lo, hi] with min <= max
  names,               // one name or a list of names (free words, resolved by a derivation)
  numbers,             // a non-empty list of numbers in [lo, hi] (of fixed length where `length` > 0)
};
const char* to_string(ParamKind k);

// Where the reader found nothing wrong with each value but a record as a whole is wrong (two keys that
// exclude each other, an end before a start, a border no route crosses): thrown by a table's rules with
// the key it concerns, so that the reader can name that key's file:line:column.
struct ParamProblem : std::runtime_error {
  ParamProblem(std::string key_, const std::string& message)
      : std::runtime_error(message), key(std::move(key_)) {}
  std::string key;  // relative to the record ("" = the record itself)
};

// What the reader hands to a parameter's setter, and what its getter returns (only the members of its kind).
struct ParamValue {
  double number = 0;
  std::int64_t integer = 0;  // integer, boolean (0/1), choice (index into choices), date (simulation day),
                             // country, place
  std::string text;
  std::vector<std::int32_t> ids;  // countries, places, choice_list (indices into choices), window (2 days)
  std::vector<double> numbers;    // per_country (one per country), per_place (one per place), shares,
                                  // number_range (2), numbers
  std::vector<std::vector<DatedValue>> series;  // per_country_series (one per country)
  std::vector<std::string> texts;               // names
};

class ParamTable;

// What rules and derivations may consult: the world the parameters refer to and the run's length.
struct ParamContext {
  const World& world;
  std::int32_t days;  // the run's length as the files declare it (`--days` may shorten the run stepped)
  std::string run_dates = {};  // "2024-01-01 to 2024-01-20" where the reader knows them, for messages
};

// For a table's doubts: throws ParamProblem when [from, until] (simulation days, inclusive) holds no day
// of the run (what is dated there changes nothing), naming `until_key` when it ends before the run,
// else `from_key`.
void doubt_in_force(std::int32_t from, std::int32_t until, const ParamContext& ctx,
                    const std::string& from_key, const std::string& until_key);

struct ParamEntry {
  std::string key;  // dotted key path relative to the table, e.g. "gravity.distance_exponent"
  ParamKind kind = ParamKind::number;
  std::string unit;  // e.g. "km/day", "persons", "1/day"; "" = dimensionless or not a quantity
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool required = false;   // must be given (a key inside a group, e.g. reemigration.share: when the group is)
  std::size_t length = 0;  // countries/places/shares: exact length (0 = any)
  double fill = 0;         // per_country, per_place: value of those not listed
  // number, integer: a value outside the range that the field holds when the key is not given (-1: no
  // quota); check_params accepts it, the reader never reads it.
  std::optional<double> unset;
  bool within_run = false;  // date, window: must fall within the run's days
  // May change between the days of a run (Simulation::change_params; the Python API's Simulation.set):
  // the mechanism reads it afresh each day, or rebuilds what it derives from it when it changes.
  bool changeable = false;
  bool keyed_by_place = true;        // keyed_records: the map's keys are place names (else free names)
  std::vector<std::string> choices;  // choice
  std::string noun;                  // number: "a share", "a probability per day", ... ("" = "a number")
  std::string default_text;          // documentation of the default, where the field's value does not say it
  std::string description;
  std::string source;
  std::shared_ptr<const ParamTable> fields;  // records, keyed_records: the table of one record

  // Type-erased binding to the struct the table describes (`obj` points to one).
  std::function<void(void* obj, const ParamValue&)> set;
  std::function<ParamValue(const void* obj)> get;
  // records, keyed_records: append a default record (keyed: with its key place) and return it; count and
  // visit the records of a struct.
  std::function<void*(void* obj, place_id place, const std::string& name)> append;
  std::function<std::size_t(const void* obj)> count;
  std::function<const void*(const void* obj, std::size_t i)> at;
};

// The table of one struct: its entries, then rules over the whole record (checks that involve several
// keys) and derivations (fields computed from others once the world is known; the reader runs them,
// check_params does not).
class ParamTable {
 public:
  ParamTable(std::string title, std::string description)
      : title_(std::move(title)), about_(std::move(description)) {}
  const std::string& title() const { return title_; }
  const std::string& description() const { return about_; }
  const std::vector<ParamEntry>& entries() const { return entries_; }
  const ParamEntry* find(const std::string& key) const;

  struct Rule {
    std::string description;                                              // for the documentation
    std::function<void(const void* obj, const ParamContext& ctx)> check;  // throws ParamProblem
  };
  const std::vector<Rule>& rules() const { return rules_; }
  // Checks of input that is legal but probably not meant (a programme dated wholly outside the run): the
  // reader turns their ParamProblem into a warning instead of an error (docs/reliability.md, "Warnings").
  const std::vector<Rule>& doubts() const { return doubts_; }
  struct Derivation {
    std::string description;  // for the documentation, e.g. "give either border or route"
    std::function<void(void* obj, const ParamContext& ctx)> apply;  // may throw ParamProblem
  };
  const std::vector<Derivation>& derivations() const { return derive_; }
  // A default-constructed struct of the table's type (the defaults shown in the documentation).
  std::shared_ptr<const void> defaults() const { return defaults_; }
  // Keys whose presence in the file the reader records in a flag of the struct (an optional group such
  // as `route_damage`, given or not, even empty); required keys below such a key are required only
  // when it is given. check_params ignores them (a struct built in code sets the flags itself).
  struct Presence {
    std::string key;
    std::function<void(void* obj)> mark;
  };
  const std::vector<Presence>& presence() const { return presence_; }

 protected:
  std::vector<ParamEntry> entries_;
  std::vector<Rule> rules_;
  std::vector<Rule> doubts_;
  std::vector<Derivation> derive_;
  std::vector<Presence> presence_;
  std::shared_ptr<const void> defaults_;

 private:
  std::string title_, about_;
};

// Chained modifiers of the entry just added.
class ParamEntryRef {
 public:
  explicit ParamEntryRef(ParamEntry& e) : e_(&e) {}
  ParamEntryRef& range(double lo, double hi) {
    e_->lo = lo, e_->hi = hi;
    return *this;
  }
  ParamEntryRef& unit(std::string u) {
    e_->unit = std::move(u);
    return *this;
  }
  ParamEntryRef& required() {
    e_->required = true;
    return *this;
  }
  ParamEntryRef& length(std::size_t n) {
    e_->length = n;
    return *this;
  }
  ParamEntryRef& changeable() {
    e_->changeable = true;
    return *this;
  }
  ParamEntryRef& within_run() {
    e_->within_run = true;
    return *this;
  }
  ParamEntryRef& fill(double v) {
    e_->fill = v;
    return *this;
  }
  ParamEntryRef& unset(double v) {
    e_->unset = v;
    return *this;
  }
  ParamEntryRef& noun(std::string text) {
    e_->noun = std::move(text);
    return *this;
  }
  ParamEntryRef& shown_default(std::string text) {
    e_->default_text = std::move(text);
    return *this;
  }
  ParamEntryRef& about(std::string text) {
    e_->description = std::move(text);
    return *this;
  }
  ParamEntryRef& source(std::string text) {
    e_->source = std::move(text);
    return *this;
  }

 private:
  ParamEntry* e_;
};

// A table of struct P. Fields are bound by an accessor returning a reference (a member pointer, or a
// lambda for array elements): [](P& p) -> double& { return p.speed[0]; }.
template <class P>
class ParamTableOf : public ParamTable {
 public:
  template <class T>
  using Access = std::function<T&(P&)>;

  ParamTableOf(std::string title, std::string description)
      : ParamTable(std::move(title), std::move(description)) {
    defaults_ = std::make_shared<const P>();
  }

  template <class T>
  static Access<T> field(T P::*m) {
    return [m](P& p) -> T& { return p.*m; };
  }

  ParamEntryRef number(std::string key, Access<double> f) {
    return ParamEntryRef(bind(std::move(key), ParamKind::number, std::move(f), &ParamValue::number));
  }
  ParamEntryRef number(std::string key, double P::*m) { return number(std::move(key), field(m)); }

  // A share or probability: a number in [0, 1].
  ParamEntryRef share(std::string key, Access<double> f) {
    return number(std::move(key), std::move(f)).range(0, 1).noun("a share");
  }
  ParamEntryRef share(std::string key, double P::*m) { return share(std::move(key), field(m)); }

  template <class T, class = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  ParamEntryRef integer(std::string key, T P::*m) {
    Access<T> f = field(m);
    auto& e = add(std::move(key), ParamKind::integer);
    e.lo = static_cast<double>(std::numeric_limits<T>::min());
    e.hi = static_cast<double>(std::numeric_limits<T>::max());
    e.set = [f](void* o, const ParamValue& v) { f(as(o)) = static_cast<T>(v.integer); };
    e.get = [f](const void* o) {
      ParamValue v;
      v.integer = static_cast<std::int64_t>(f(as(o)));
      return v;
    };
    return ParamEntryRef(e);
  }

  // An integer reached through an accessor (a field of a nested struct): integer<std::int32_t>(key, f).
  template <class T, class = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  ParamEntryRef integer(std::string key, Access<T> f) {
    auto& e = add(std::move(key), ParamKind::integer);
    e.lo = static_cast<double>(std::numeric_limits<T>::min());
    e.hi = static_cast<double>(std::numeric_limits<T>::max());
    e.set = [f](void* o, const ParamValue& v) { f(as(o)) = static_cast<T>(v.integer); };
    e.get = [f](const void* o) {
      ParamValue v;
      v.integer = static_cast<std::int64_t>(f(as(o)));
      return v;
    };
    return ParamEntryRef(e);
  }

  ParamEntryRef boolean(std::string key, bool P::*m) {
    Access<bool> f = field(m);
    auto& e = add(std::move(key), ParamKind::boolean);
    e.set = [f](void* o, const ParamValue& v) { f(as(o)) = v.integer != 0; };
    e.get = [f](const void* o) {
      ParamValue v;
      v.integer = f(as(o)) ? 1 : 0;
      return v;
    };
    return ParamEntryRef(e);
  }

  ParamEntryRef text(std::string key, std::string P::*m) {
    return ParamEntryRef(bind(std::move(key), ParamKind::text, field(m), &ParamValue::text));
  }

  // A date: the field holds the simulation day (0 = the run's start date; earlier dates are negative).
  ParamEntryRef date(std::string key, std::int32_t P::*m) {
    Access<std::int32_t> f = field(m);
    auto& e = add(std::move(key), ParamKind::date);
    e.set = [f](void* o, const ParamValue& v) { f(as(o)) = static_cast<std::int32_t>(v.integer); };
    e.get = [f](const void* o) {
      ParamValue v;
      v.integer = f(as(o));
      return v;
    };
    return ParamEntryRef(e);
  }

  ParamEntryRef countries(std::string key, std::vector<country_id> P::*m) {
    return id_list(std::move(key), ParamKind::countries, field(m));
  }
  ParamEntryRef places(std::string key, std::vector<place_id> P::*m) {
    return id_list(std::move(key), ParamKind::places, field(m));
  }

  // A map from country code to a number; the field holds one value per country of the world.
  ParamEntryRef per_country(std::string key, std::vector<double> P::*m) {
    return ParamEntryRef(bind(std::move(key), ParamKind::per_country, field(m), &ParamValue::numbers));
  }

  ParamEntryRef per_country_series(std::string key, std::vector<std::vector<DatedValue>> P::*m) {
    return ParamEntryRef(bind(std::move(key), ParamKind::per_country_series, field(m), &ParamValue::series));
  }

  template <std::size_t N>
  ParamEntryRef shares(std::string key, std::array<double, N> P::*m) {
    return shares<N>(std::move(key), field(m));
  }
  template <std::size_t N>
  ParamEntryRef shares(std::string key, Access<std::array<double, N>> f) {
    auto& e = add(std::move(key), ParamKind::shares);
    e.length = N;
    e.lo = 0, e.hi = 1;
    e.set = [f](void* o, const ParamValue& v) {
      for (std::size_t i = 0; i < N; ++i) f(as(o))[i] = v.numbers[i];
    };
    e.get = [f](const void* o) {
      ParamValue v;
      v.numbers.assign(f(as(o)).begin(), f(as(o)).end());
      return v;
    };
    return ParamEntryRef(e);
  }

  template <class R>
  ParamEntryRef records(std::string key, Access<std::vector<R>> f,
                        std::shared_ptr<const ParamTableOf<R>> table) {
    auto& e = record_list<R>(std::move(key), ParamKind::records, f, std::move(table));
    e.append = [f](void* o, place_id, const std::string&) -> void* { return &f(as(o)).emplace_back(); };
    return ParamEntryRef(e);
  }
  template <class R>
  ParamEntryRef records(std::string key, std::vector<R> P::*m, std::shared_ptr<const ParamTableOf<R>> table) {
    return records<R>(std::move(key), field(m), std::move(table));
  }

  // A map from place name to a record; `key` is the record's field that receives the place.
  template <class R>
  ParamEntryRef keyed_records(std::string key, std::vector<R> P::*m, place_id R::*place,
                              std::shared_ptr<const ParamTableOf<R>> table) {
    auto& e = record_list<R>(std::move(key), ParamKind::keyed_records, field(m), std::move(table));
    e.append = [f = field(m), place](void* o, place_id p, const std::string&) -> void* {
      R& r = f(as(o)).emplace_back();
      r.*place = p;
      return &r;
    };
    return ParamEntryRef(e);
  }

  // A map from a free name (a hazard kind, a service) to a record; `name` is the record's field that
  // receives the map's key.
  template <class R>
  ParamEntryRef named_records(std::string key, std::vector<R> P::*m, std::string R::*name,
                              std::shared_ptr<const ParamTableOf<R>> table) {
    auto& e = record_list<R>(std::move(key), ParamKind::keyed_records, field(m), std::move(table));
    e.keyed_by_place = false;
    e.append = [f = field(m), name](void* o, place_id, const std::string& n) -> void* {
      R& r = f(as(o)).emplace_back();
      r.*name = n;
      return &r;
    };
    return ParamEntryRef(e);
  }

  ParamEntryRef country(std::string key, country_id P::*m) {
    return one_id(std::move(key), ParamKind::country, field(m));
  }
  ParamEntryRef place(std::string key, place_id P::*m) {
    return one_id(std::move(key), ParamKind::place, field(m));
  }

  // One name or a non-empty list of names (both read into the list); the names are free words, which a
  // derivation resolves (e.g. against the names of other records).
  ParamEntryRef names(std::string key, std::vector<std::string> P::*m) {
    return ParamEntryRef(bind(std::move(key), ParamKind::names, field(m), &ParamValue::texts));
  }

  // A non-empty list of numbers, each in [lo, hi].
  ParamEntryRef numbers(std::string key, std::vector<double> P::*m) {
    return ParamEntryRef(bind(std::move(key), ParamKind::numbers, field(m), &ParamValue::numbers));
  }

  // A map from place name to a number; the field holds one value per place of the world.
  ParamEntryRef per_place(std::string key, std::vector<double> P::*m) {
    return ParamEntryRef(bind(std::move(key), ParamKind::per_place, field(m), &ParamValue::numbers));
  }

  // One word of `words`, stored as the value paired with it (an enum).
  template <class E>
  ParamEntryRef choice(std::string key, E P::*m, std::vector<std::pair<std::string, E>> words) {
    Access<E> f = field(m);
    auto& e = add(std::move(key), ParamKind::choice);
    std::vector<E> values;
    for (auto& [w, v] : words) {
      e.choices.push_back(w);
      values.push_back(v);
    }
    e.set = [f, values](void* o, const ParamValue& v) {
      f(as(o)) = values[static_cast<std::size_t>(v.integer)];
    };
    e.get = [f, values](const void* o) {
      ParamValue v;
      v.integer = -1;
      for (std::size_t i = 0; i < values.size(); ++i)
        if (values[i] == f(as(o))) v.integer = static_cast<std::int64_t>(i);
      return v;
    };
    return ParamEntryRef(e);
  }

  // A list of words of `words`, stored as the values paired with them.
  template <class E>
  ParamEntryRef choice_list(std::string key, std::vector<E> P::*m,
                            std::vector<std::pair<std::string, E>> words) {
    Access<std::vector<E>> f = field(m);
    auto& e = add(std::move(key), ParamKind::choice_list);
    std::vector<E> values;
    for (auto& [w, v] : words) {
      e.choices.push_back(w);
      values.push_back(v);
    }
    e.set = [f, values](void* o, const ParamValue& v) {
      f(as(o)).clear();
      for (auto i : v.ids) f(as(o)).push_back(values[static_cast<std::size_t>(i)]);
    };
    e.get = [f, values](const void* o) {
      ParamValue v;
      for (const E& x : f(as(o)))
        for (std::size_t i = 0; i < values.size(); ++i)
          if (values[i] == x) v.ids.push_back(static_cast<std::int32_t>(i));
      return v;
    };
    return ParamEntryRef(e);
  }

  // [open date, close date] into two day fields.
  ParamEntryRef window(std::string key, std::int32_t P::*open, std::int32_t P::*close) {
    Access<std::int32_t> a = field(open), b = field(close);
    auto& e = add(std::move(key), ParamKind::window);
    e.set = [a, b](void* o, const ParamValue& v) {
      a(as(o)) = v.ids[0];
      b(as(o)) = v.ids[1];
    };
    e.get = [a, b](const void* o) {
      ParamValue v;
      v.ids = {a(as(o)), b(as(o))};
      return v;
    };
    return ParamEntryRef(e);
  }

  // [min, max] into two number fields.
  ParamEntryRef number_range(std::string key, double P::*min, double P::*max) {
    Access<double> a = field(min), b = field(max);
    auto& e = add(std::move(key), ParamKind::number_range);
    e.set = [a, b](void* o, const ParamValue& v) {
      a(as(o)) = v.numbers[0];
      b(as(o)) = v.numbers[1];
    };
    e.get = [a, b](const void* o) {
      ParamValue v;
      v.numbers = {a(as(o)), b(as(o))};
      return v;
    };
    return ParamEntryRef(e);
  }

  // A check over the whole record; `check` throws ParamProblem(key, message) when it fails.
  void rule(std::string description, std::function<void(const P&, const ParamContext&)> check) {
    rules_.push_back({std::move(description), [check](const void* o, const ParamContext& ctx) {
                        check(*static_cast<const P*>(o), ctx);
                      }});
  }
  // A doubt over the whole record: `check` throws ParamProblem(key, message) for input that is legal but
  // probably not meant; the reader warns instead of failing, check_params ignores it.
  void doubt(std::string description, std::function<void(const P&, const ParamContext&)> check) {
    doubts_.push_back({std::move(description), [check](const void* o, const ParamContext& ctx) {
                         check(*static_cast<const P*>(o), ctx);
                       }});
  }
  // Fields computed from others once the world is known (run by the reader after the record is read);
  // `description` says what it requires, for the documentation.
  void derive(std::string description, std::function<void(P&, const ParamContext&)> fn) {
    derive_.push_back(
        {std::move(description), [fn](void* o, const ParamContext& ctx) { fn(*static_cast<P*>(o), ctx); }});
  }
  // The reader sets `flag` when `key` (a group of keys, or one key) is given in the file.
  void given(std::string key, bool P::*flag) {
    presence_.push_back({std::move(key), [flag](void* o) { as(o).*flag = true; }});
  }

 private:
  static P& as(void* o) { return *static_cast<P*>(o); }
  static P& as(const void* o) { return *static_cast<P*>(const_cast<void*>(o)); }

  ParamEntry& add(std::string key, ParamKind kind) {
    ParamEntry e;
    e.key = std::move(key);
    e.kind = kind;
    entries_.push_back(std::move(e));
    return entries_.back();
  }

  ParamEntryRef one_id(std::string key, ParamKind kind, Access<std::int32_t> f) {
    auto& e = add(std::move(key), kind);
    e.set = [f](void* o, const ParamValue& v) { f(as(o)) = static_cast<std::int32_t>(v.integer); };
    e.get = [f](const void* o) {
      ParamValue v;
      v.integer = f(as(o));
      return v;
    };
    return ParamEntryRef(e);
  }

  ParamEntryRef id_list(std::string key, ParamKind kind, Access<std::vector<std::int32_t>> f) {
    return ParamEntryRef(bind(std::move(key), kind, std::move(f), &ParamValue::ids));
  }

  // An entry bound to a field of type T that ParamValue carries in its member `slot`.
  template <class T>
  ParamEntry& bind(std::string key, ParamKind kind, Access<T> f, T ParamValue::*slot) {
    auto& e = add(std::move(key), kind);
    e.set = [f, slot](void* o, const ParamValue& v) { f(as(o)) = v.*slot; };
    e.get = [f, slot](const void* o) {
      ParamValue v;
      v.*slot = f(as(o));
      return v;
    };
    return e;
  }

  template <class R>
  ParamEntry& record_list(std::string key, ParamKind kind, Access<std::vector<R>> f,
                          std::shared_ptr<const ParamTableOf<R>> table) {
    auto& e = add(std::move(key), kind);
    e.fields = std::move(table);
    e.count = [f](const void* o) { return f(as(o)).size(); };
    e.at = [f](const void* o, std::size_t i) -> const void* { return &f(as(o))[i]; };
    return e;
  }
};

// "a number in [0, 10]", "an integer in [0, 2147483647]", "a share in [0, 1]", ...: what an entry expects,
// kind and range, as every message says it.
std::string expected_text(const ParamEntry& e);
// What one value inside the entry expects: the same as expected_text() for a number or an integer; for a
// per-country map, a series or a list of shares, what each of its numbers expects ("a share in [0, 1]").
std::string expected_value_text(const ParamEntry& e);
// A number as the messages and the documentation show it (shortest form that reads back exactly).
std::string format_number(double v);

// Validates a struct built in code against its table (ranges, lengths, rules); throws InputError naming
// `prefix`.key, the bad value and what was expected.
void check_params(const ParamTable& table, const void* obj, const ParamContext& ctx,
                  const std::string& prefix);

}  // namespace migrasim
