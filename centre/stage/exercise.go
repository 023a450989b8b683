package stage

import (
	"context"
	"encoding/json"

	"glassbox.dev"
	"glassbox.dev/exercise"
	"glassbox.dev/rebuild"
)

// ExerciseOptions are the run stage's settings beyond the release's own.
type ExerciseOptions struct {
	// Limits bound each run's sandbox; zero fields keep the run stage's.
	Limits rebuild.Limits
	// Progress, if set, is told what runs.
	Progress func(string)
}

// Exercised is what the run stage established.
type Exercised struct {
	Report      *exercise.Report
	Digest      glassbox.Digest // the report's, recorded as KindExerciseReport
	SARIF       []byte          // its findings, recorded as KindExerciseSARIF
	SARIFDigest glassbox.Digest
	Reused      bool
}

// Exercise runs the release's shipped programs in the sandbox as its
// recipe's run section says (or with the defaults), probing what they
// listen on with the values the release's own scan found compared with
// input, or returns the run stored for the release.
func (j *Jobs) Exercise(ctx context.Context, o ExerciseOptions) (*Exercised, error) {
	var rep exercise.Report
	d, reused, err := j.storedJSON(ctx, KindExerciseReport, &rep)
	if err != nil {
		return nil, err
	}
	if reused {
		out := &Exercised{Report: &rep, Digest: d, Reused: true}
		out.SARIF, out.SARIFDigest = j.storedDoc(ctx, KindExerciseSARIF)
		return out, nil
	}
	var names []string
	for _, a := range j.Release.Manifest.Artifacts {
		names = append(names, a.Path)
	}
	dir, err := j.artifacts(ctx)
	if err != nil {
		return nil, err
	}
	programs, notRun := exercise.Executables(dir, names)
	out := &Exercised{}
	spec := exercise.Spec{Executables: programs, NotRun: notRun, Limits: o.Limits, Progress: o.Progress}
	if len(programs)+len(notRun) > 0 {
		// The recipe's run section, if the release has a recipe; without
		// one every program runs with the defaults.
		if recipe, _, err := rebuild.ChooseRecipe(ctx, j.Blobs, j.Release); err == nil {
			spec.Recipe = recipe
		}
		// The values the static analysis found compared with input are
		// what the probes feed.
		scanned, err := j.Scan(ctx, ScanOptions{})
		if err != nil {
			return nil, err
		}
		var fs []glassbox.Finding
		for _, f := range scanned.Result.Findings {
			fs = append(fs, f.Finding)
		}
		spec.Inputs = exercise.InputsFrom(fs)
		src, err := j.source(ctx)
		if err != nil {
			return nil, err
		}
		spec.Headers = exercise.SourceHeaders(src)
	}
	if spec.WorkDir, err = j.workDir(); err != nil {
		return nil, err
	}
	r, err := exercise.Exercise(ctx, spec)
	if err != nil {
		return nil, err
	}
	out.Report = r
	b, err := json.Marshal(r)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "run stage report: %w", err)
	}
	if out.Digest, err = j.keep(ctx, KindExerciseReport, b); err != nil {
		return nil, err
	}
	if out.SARIF, err = exercise.SARIF(r); err != nil {
		return nil, err
	}
	if out.SARIFDigest, err = j.keep(ctx, KindExerciseSARIF, out.SARIF); err != nil {
		return nil, err
	}
	return out, nil
}
