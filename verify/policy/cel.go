package policy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"
)

// Limits on CEL. A policy may come from anywhere an operator copied it
// from, and the verifier gates a deployment: it must finish, and quickly.
const (
	// MaxExpressionSize is the longest expression, in code points.
	MaxExpressionSize = 8 << 10
	// MaxExpressionDepth is the deepest nesting the parser accepts.
	MaxExpressionDepth = 64
	// MaxCost is CEL's cost limit for one evaluation of one expression.
	// CEL counts about one unit per operation and one per element a
	// comprehension visits; an honest rule costs tens of units per
	// attestation, a nested comprehension over a large list millions.
	MaxCost = 1_000_000
	// MaxTotalCost bounds all the evaluations of one Evaluate call, so that
	// many rules times many attestations cannot add up to a hang either.
	MaxTotalCost = 10_000_000
)

// The fields of an attestation as CEL sees it. The names follow in-toto and
// the JSON of the log's index, in CEL's lower camel case.
var attFields = []string{"predicateType", "predicate", "subjects", "keyId", "logIndex", "loggedAt"}

// The fields of `artifact`.
var artifactFields = []string{"name", "digest"}

var (
	// attEnv compiles applies and match of rules that look at one
	// attestation at a time.
	attEnv = newEnv(true)
	// setEnv compiles match of require: expr rules, which see only the set.
	setEnv = newEnv(false)
)

func newEnv(withAtt bool) *cel.Env {
	attType := cel.MapType(cel.StringType, cel.DynType)
	opts := []cel.EnvOption{
		ext.Strings(),
		cel.Variable("now", cel.TimestampType),
		cel.Variable("artifact", cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable("attestations", cel.ListType(attType)),
		// Predicates are JSON, whose numbers are double; operators write
		// `att.predicate.findings.critical == 0`. Without this, comparing
		// the two is an error.
		cel.CrossTypeNumericComparisons(true),
		// The verifier's time zone must not change a decision.
		cel.DefaultUTCTimeZone(true),
		// Keeps macros in the source info so that a clause of a match can
		// be printed back as the operator wrote it (see clauses).
		cel.EnableMacroCallTracking(),
		cel.ParserExpressionSizeLimit(MaxExpressionSize),
		cel.ParserRecursionLimit(MaxExpressionDepth),
	}
	if withAtt {
		opts = append(opts, cel.Variable("att", attType))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		panic("policy: building the CEL environment: " + err.Error())
	}
	return env
}

// expr is one compiled expression of a rule.
type expr struct {
	ast *ast.AST
	prg cel.Program
	// diag is prg recording every intermediate value, which is slower and
	// run only to say where an evaluation error came from.
	diag cel.Program
	// clauses are the operands of a top-level chain of &&, compiled on
	// their own, so that a false match can say which condition failed. Nil
	// when the expression is not such a chain.
	clauses []clause
}

type clause struct {
	text string // as printed back from the AST
	prg  cel.Program
}

// compile parses and type-checks src. An expression must be bool, or dyn
// (a predicate field, known only at run time) in which case a non-bool
// result is an evaluation error. explain asks for clauses.
func compile(env *cel.Env, field, src string, explain bool) (*expr, error) {
	checked, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		// "ERROR: <input>:1:5: msg" names no input an operator knows; the
		// caller prefixes the rule and the field. Errors without a
		// position (the limits) carry -1:0.
		msg := strings.NewReplacer("ERROR: <input>:-1:0: ", "", "ERROR: <input>:", "").Replace(iss.Err().Error())
		return nil, errors.New(msg)
	}
	switch out := checked.OutputType(); out.Kind() {
	case types.BoolKind, types.DynKind:
	default:
		return nil, fmt.Errorf("%s has type %s; %s must be true or false", src, out, field)
	}
	if err := checkFields(checked.NativeRep()); err != nil {
		return nil, err
	}
	prg, err := program(env, checked)
	if err != nil {
		return nil, err
	}
	diag, err := program(env, checked, cel.EvalOptions(cel.OptTrackState))
	if err != nil {
		return nil, err
	}
	e := &expr{ast: checked.NativeRep(), prg: prg, diag: diag}
	if explain {
		e.clauses = clauses(env, checked.NativeRep())
	}
	return e, nil
}

func program(env *cel.Env, checked *cel.Ast, opts ...cel.ProgramOption) (cel.Program, error) {
	return env.Program(checked, append(opts, cel.CostLimit(MaxCost))...)
}

// clauses splits a && b && c into its operands and compiles each. Anything
// that goes wrong only loses the explanation, never the rule.
func clauses(env *cel.Env, a *ast.AST) []clause {
	var operands []ast.Expr
	var flatten func(e ast.Expr)
	flatten = func(e ast.Expr) {
		if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == "_&&_" {
			for _, arg := range e.AsCall().Args() {
				flatten(arg)
			}
			return
		}
		operands = append(operands, e)
	}
	flatten(a.Expr())
	if len(operands) < 2 {
		return nil
	}
	var out []clause
	for _, op := range operands {
		text, err := cel.ExprToString(op, a.SourceInfo())
		if err != nil {
			return nil
		}
		checked, iss := env.Compile(text)
		if iss != nil && iss.Err() != nil {
			return nil
		}
		prg, err := program(env, checked)
		if err != nil {
			return nil
		}
		out = append(out, clause{text: text, prg: prg})
	}
	return out
}

// checkFields refuses a selection of a field that `att`, an element of
// `attestations` or `artifact` never has. The type checker cannot: they are
// maps, and a misspelt key would only show at run time as a deny.
func checkFields(a *ast.AST) error {
	type kind int
	const (
		other kind = iota
		attKind
		artifactKind
	)
	var walk func(e ast.Expr, scope map[string]kind) error
	kindOf := func(e ast.Expr, scope map[string]kind) kind {
		if e.Kind() != ast.IdentKind {
			return other
		}
		name := e.AsIdent()
		if k, ok := scope[name]; ok {
			return k
		}
		switch name {
		case "att":
			return attKind
		case "artifact":
			return artifactKind
		}
		return other
	}
	walk = func(e ast.Expr, scope map[string]kind) error {
		switch e.Kind() {
		case ast.SelectKind:
			s := e.AsSelect()
			var known []string
			switch kindOf(s.Operand(), scope) {
			case attKind:
				known = attFields
			case artifactKind:
				known = artifactFields
			}
			if known != nil && !slices.Contains(known, s.FieldName()) {
				loc := a.SourceInfo().GetStartLocation(e.ID())
				return fmt.Errorf("%d:%d: %s has no field %q; it has %s", loc.Line(), loc.Column()+1, s.Operand().AsIdent(), s.FieldName(), strings.Join(known, ", "))
			}
			return walk(s.Operand(), scope)
		case ast.ComprehensionKind:
			c := e.AsComprehension()
			if err := walk(c.IterRange(), scope); err != nil {
				return err
			}
			if err := walk(c.AccuInit(), scope); err != nil {
				return err
			}
			inner := maps.Clone(scope)
			// Comprehension variables shadow the globals. Over
			// `attestations` the element variable is an attestation.
			elem := other
			_, shadowed := scope["attestations"]
			if r := c.IterRange(); r.Kind() == ast.IdentKind && r.AsIdent() == "attestations" && !shadowed {
				elem = attKind
			}
			inner[c.AccuVar()] = other
			if c.HasIterVar2() {
				inner[c.IterVar()] = other
				inner[c.IterVar2()] = elem
			} else {
				inner[c.IterVar()] = elem
			}
			for _, sub := range []ast.Expr{c.LoopCondition(), c.LoopStep(), c.Result()} {
				if err := walk(sub, inner); err != nil {
					return err
				}
			}
		default:
			for _, child := range children(e) {
				if err := walk(child, scope); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(a.Expr(), map[string]kind{})
}

// eval evaluates e. budget is what is left of the policy's total cost;
// every evaluation is charged to it and none is started once it is spent.
// An evaluation error names the part of the expression it came from.
func (e *expr) eval(vars map[string]any, budget *uint64) (bool, error) {
	ok, err := run(e.prg, vars, budget)
	if err != nil && err != errCost && err != errBudget && !errors.Is(err, errNotBool) {
		if where := e.locate(vars, budget); where != "" {
			err = fmt.Errorf("%s: %w", where, err)
		}
	}
	return ok, err
}

func run(prg cel.Program, vars map[string]any, budget *uint64) (bool, error) {
	if *budget == 0 {
		return false, errBudget
	}
	val, det, err := prg.Eval(vars)
	var cancelled interpreter.EvalCancelledError
	overCost := err != nil && errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded
	// A cancelled evaluation reports no cost: it spent the limit.
	cost := uint64(MaxCost)
	if det != nil && det.ActualCost() != nil && !overCost {
		cost = *det.ActualCost()
	}
	*budget -= min(cost, *budget)
	if overCost {
		return false, errCost
	}
	if err != nil {
		return false, err
	}
	b, ok := val.(types.Bool)
	if !ok {
		return false, fmt.Errorf("evaluated to %s, %w", val.Type().TypeName(), errNotBool)
	}
	return bool(b), nil
}

var (
	errCost    = fmt.Errorf("stopped: over the cost limit of %d for one evaluation", MaxCost)
	errBudget  = fmt.Errorf("not evaluated: the policy used up its total cost budget of %d", MaxTotalCost)
	errNotBool = errors.New("not true or false")
)

// locate evaluates e again, recording every intermediate value, and
// follows the error from the root down to the sub-expression where it
// arose: "att.predicate.policy" tells an operator more than CEL's "no such
// key: policy". It returns "" when it cannot tell.
func (e *expr) locate(vars map[string]any, budget *uint64) string {
	if *budget == 0 {
		return ""
	}
	_, det, _ := e.diag.Eval(vars)
	cost := uint64(MaxCost)
	if det != nil && det.ActualCost() != nil {
		cost = *det.ActualCost()
	}
	*budget -= min(cost, *budget)
	if det == nil || det.State() == nil {
		return ""
	}
	state := det.State()
	isErr := func(x ast.Expr) bool {
		v, ok := state.Value(x.ID())
		return ok && types.IsError(v)
	}
	info := e.ast.SourceInfo()
	var origin func(x ast.Expr) string
	origin = func(x ast.Expr) string {
		for _, child := range children(x) {
			if isErr(child) {
				if where := origin(child); where != "" {
					return where
				}
				break
			}
		}
		text, err := cel.ExprToString(x, info)
		// Parts of an expanded macro print with CEL's internal names
		// (@result); the macro call above them reads better.
		if err != nil || strings.Contains(text, "@") {
			return ""
		}
		return text
	}
	if !isErr(e.ast.Expr()) {
		return ""
	}
	return origin(e.ast.Expr())
}

// children lists the direct sub-expressions of x in evaluation order.
func children(x ast.Expr) []ast.Expr {
	switch x.Kind() {
	case ast.SelectKind:
		return []ast.Expr{x.AsSelect().Operand()}
	case ast.CallKind:
		c := x.AsCall()
		var out []ast.Expr
		if c.IsMemberFunction() {
			out = append(out, c.Target())
		}
		return append(out, c.Args()...)
	case ast.ListKind:
		return x.AsList().Elements()
	case ast.MapKind:
		var out []ast.Expr
		for _, en := range x.AsMap().Entries() {
			m := en.AsMapEntry()
			out = append(out, m.Key(), m.Value())
		}
		return out
	case ast.ComprehensionKind:
		c := x.AsComprehension()
		return []ast.Expr{c.IterRange(), c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result()}
	}
	return nil
}

// explain says which clause of a false match was false, or "" when it
// cannot tell.
func (e *expr) explain(vars map[string]any, budget *uint64) string {
	for _, c := range e.clauses {
		ok, err := run(c.prg, vars, budget)
		if err != nil {
			// A clause CEL's && skipped over because another was false
			// may fail on its own; keep looking for the false one.
			continue
		}
		if !ok {
			return c.text + " is false"
		}
	}
	return ""
}
