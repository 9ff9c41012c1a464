// Command kindchaos-linearizability checks a history of Kubernetes object operations for linearizability
// with porcupine, against a model of a key-value store whose writes carry rising resourceVersions.
//
// Input (--history): {"operations": [...]} as kindchaos.safety.linearizability writes it, one entry per
// operation on one key (a list is split into one read per key by the caller). Output (stdout): a JSON verdict.
// With --visualize, porcupine's HTML visualization is written to that path.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

// op is one operation as recorded: what was asked (kind, key, value, expected) and what came back.
type op struct {
	ID       int    `json:"id"`
	Client   int    `json:"client"`
	Kind     string `json:"kind"` // create, update, delete, get, list-read
	Key      string `json:"key"`
	Value    string `json:"value,omitempty"`    // written (create/update) or read (get/list-read)
	Expected int64  `json:"expected,omitempty"` // the resourceVersion precondition (update/delete)
	Call     int64  `json:"call"`
	Return   *int64 `json:"return"` // null: the client never learned the outcome
	Result   string `json:"result"` // ok, exists, conflict, absent, unknown
	RV       int64  `json:"rv,omitempty"`      // the object's resourceVersion in the answer, if any
	ListRV   int64  `json:"list_rv,omitempty"` // a list's resourceVersion (list-read)
}

type input struct {
	Operations []op `json:"operations"`
}

// state of one key. RV 0 with Exists means written by an operation whose answer was lost: its resourceVersion
// is not known yet (the next read binds it). Floor is the highest resourceVersion known to precede the next
// write: every write after it must come with a higher one.
type state struct {
	Exists bool
	Value  string
	RV     int64
	Floor  int64
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// matches says whether a precondition on ``expected`` holds in s (an unknown RV matches any expected value
// above the floor: the read that returned it bound nothing the model could see).
func (s state) matches(expected int64) bool {
	return s.Exists && (s.RV == expected || (s.RV == 0 && expected > s.Floor))
}

func (s state) mismatches(expected int64) bool {
	return s.Exists && (s.RV != expected || s.RV == 0)
}

func written(s state, o op) state {
	if o.RV == 0 {
		return state{Exists: true, Value: o.Value, RV: 0, Floor: s.Floor}
	}
	return state{Exists: true, Value: o.Value, RV: o.RV, Floor: o.RV}
}

func deleted(s state, o op) state {
	return state{Floor: maxInt(s.Floor, o.RV)}
}

// step returns every state the operation can leave; none means it cannot happen in state s.
func step(s state, o op) []state {
	unknown := o.Result == "unknown"
	var next []state
	if unknown {
		next = append(next, s) // it may not have taken effect
	}
	switch o.Kind {
	case "create":
		switch {
		case (o.Result == "ok" || unknown) && !s.Exists && (o.RV == 0 || o.RV > s.Floor):
			next = append(next, written(s, o))
		case o.Result == "exists" && s.Exists:
			next = append(next, s)
		}
	case "update":
		switch {
		case (o.Result == "ok" || unknown) && s.matches(o.Expected) && (o.RV == 0 || o.RV > s.Floor):
			next = append(next, written(s, o))
		case o.Result == "conflict" && s.mismatches(o.Expected):
			next = append(next, s)
		case o.Result == "absent" && !s.Exists:
			next = append(next, s)
		}
	case "delete":
		switch {
		case (o.Result == "ok" || unknown) && s.matches(o.Expected):
			next = append(next, deleted(s, o))
		case o.Result == "conflict" && s.mismatches(o.Expected):
			next = append(next, s)
		case o.Result == "absent" && !s.Exists:
			next = append(next, s)
		}
	case "get", "list-read":
		floor := maxInt(s.Floor, o.ListRV)
		switch {
		case o.Result == "ok" && s.Exists && s.Value == o.Value && (s.RV == o.RV || (s.RV == 0 && o.RV > s.Floor)):
			if o.ListRV == 0 || o.RV <= o.ListRV {
				next = append(next, state{Exists: true, Value: s.Value, RV: o.RV, Floor: maxInt(floor, o.RV)})
			}
		case o.Result == "absent" && !s.Exists:
			next = append(next, state{Floor: floor})
		}
	}
	return next
}

func describe(o op) string {
	text := fmt.Sprintf("#%d %s %s", o.ID, o.Kind, o.Key)
	if o.Value != "" {
		text += "=" + o.Value
	}
	if o.Expected != 0 {
		text += fmt.Sprintf(" if rv=%d", o.Expected)
	}
	text += " → " + o.Result
	if o.RV != 0 {
		text += fmt.Sprintf(" rv=%d", o.RV)
	}
	if o.ListRV != 0 {
		text += fmt.Sprintf(" (list rv=%d)", o.ListRV)
	}
	return text
}

func model() porcupine.Model {
	nd := porcupine.NondeterministicModel{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string][]porcupine.Operation{}
			var keys []string
			for _, h := range history {
				key := h.Input.(op).Key
				if _, seen := byKey[key]; !seen {
					keys = append(keys, key)
				}
				byKey[key] = append(byKey[key], h)
			}
			sort.Strings(keys)
			parts := make([][]porcupine.Operation, 0, len(keys))
			for _, key := range keys {
				parts = append(parts, byKey[key])
			}
			return parts
		},
		Init: func() []interface{} { return []interface{}{state{}} },
		Step: func(s, in, _ interface{}) []interface{} {
			var out []interface{}
			for _, n := range step(s.(state), in.(op)) {
				out = append(out, n)
			}
			return out
		},
		Equal: func(a, b interface{}) bool { return a.(state) == b.(state) },
		Hash: func(s interface{}) uint64 {
			h := fnv.New64a()
			st := s.(state)
			fmt.Fprintf(h, "%t|%s|%d|%d", st.Exists, st.Value, st.RV, st.Floor)
			return h.Sum64()
		},
		DescribeOperation: func(in, _ interface{}) string { return describe(in.(op)) },
		DescribeState: func(s interface{}) string {
			st := s.(state)
			if !st.Exists {
				return fmt.Sprintf("absent (floor %d)", st.Floor)
			}
			return fmt.Sprintf("%s rv=%d (floor %d)", st.Value, st.RV, st.Floor)
		},
	}
	return nd.ToModel()
}

// unplaced names, per key the checker could not linearize, the operations its longest partial linearization
// could not place: the ones in conflict with what came before.
func unplaced(info porcupine.LinearizationInfo, parts [][]porcupine.Operation, illegalKeys map[string]bool) map[string][]int {
	found := map[string][]int{}
	partials := info.PartialLinearizationsOperations()
	for i, part := range parts {
		if len(part) == 0 || i >= len(partials) {
			continue
		}
		key := part[0].Input.(op).Key
		if !illegalKeys[key] {
			continue
		}
		placed := map[int]bool{}
		longest := 0
		for _, lin := range partials[i] {
			if len(lin) > longest {
				longest = len(lin)
				placed = map[int]bool{}
				for _, o := range lin {
					placed[o.Input.(op).ID] = true
				}
			}
		}
		var ids []int
		for _, o := range part {
			if id := o.Input.(op).ID; !placed[id] {
				ids = append(ids, id)
			}
		}
		sort.Ints(ids)
		if len(ids) > 10 {
			ids = ids[:10]
		}
		found[key] = ids
	}
	return found
}

type verdict struct {
	Verdict    string           `json:"verdict"` // ok, illegal, undecided
	Seconds    float64          `json:"seconds"`
	Operations int              `json:"operations"`
	Keys       int              `json:"keys"`
	Illegal    map[string][]int `json:"illegal,omitempty"` // key -> operations that could not be placed
	Undecided  []string         `json:"undecided,omitempty"`
}

func run(historyPath, visualize string, timeout time.Duration) (verdict, error) {
	raw, err := os.ReadFile(historyPath)
	if err != nil {
		return verdict{}, err
	}
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		return verdict{}, fmt.Errorf("%s: %w", historyPath, err)
	}
	var end int64
	for _, o := range in.Operations {
		if o.Return != nil && *o.Return > end {
			end = *o.Return
		}
		if o.Call > end {
			end = o.Call
		}
	}
	history := make([]porcupine.Operation, 0, len(in.Operations))
	for _, o := range in.Operations {
		if o.Kind == "" || o.Key == "" {
			return verdict{}, fmt.Errorf("operation #%d has no kind or key", o.ID)
		}
		ret := end + 1 // an unanswered operation may have taken effect at any time after its call
		if o.Return != nil {
			ret = *o.Return
		}
		history = append(history, porcupine.Operation{ClientId: o.Client, Input: o, Output: nil, Call: o.Call, Return: ret})
	}
	m := model()
	parts := m.Partition(history)
	started := time.Now()
	result, info := porcupine.CheckOperationsVerbose(m, history, timeout)
	out := verdict{Seconds: time.Since(started).Seconds(), Operations: len(history), Keys: len(parts)}
	switch result {
	case porcupine.Ok:
		out.Verdict = "ok"
	case porcupine.Illegal:
		out.Verdict = "illegal"
		illegal := map[string]bool{}
		for _, part := range parts {
			if porcupine.CheckOperationsTimeout(m, part, timeout) == porcupine.Illegal {
				illegal[part[0].Input.(op).Key] = true
			}
		}
		out.Illegal = unplaced(info, parts, illegal)
	default:
		out.Verdict = "undecided"
		for _, part := range parts {
			if porcupine.CheckOperationsTimeout(m, part, timeout) != porcupine.Ok {
				out.Undecided = append(out.Undecided, part[0].Input.(op).Key)
			}
		}
	}
	if visualize != "" && len(history) > 0 {
		if err := porcupine.VisualizePath(m, info, visualize); err != nil {
			return out, fmt.Errorf("visualization: %w", err)
		}
	}
	return out, nil
}

func main() {
	historyPath := flag.String("history", "", "the history JSON to check")
	visualize := flag.String("visualize", "", "write porcupine's HTML visualization here")
	timeout := flag.Duration("timeout", time.Minute, "give up (verdict undecided) after this long")
	flag.Parse()
	if *historyPath == "" {
		fmt.Fprintln(os.Stderr, "kindchaos-linearizability: --history FILE is required")
		os.Exit(2)
	}
	out, err := run(*historyPath, *visualize, *timeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kindchaos-linearizability:", err)
		if out.Verdict == "" {
			os.Exit(2)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(2)
	}
}
