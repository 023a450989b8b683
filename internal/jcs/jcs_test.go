package jcs

import (
	"math"
	"testing"
)

func TestTransform(t *testing.T) {
	tests := []struct{ in, want string }{
		// Key order by UTF-16 code units (RFC 8785 §3.2.3 example, shortened).
		{`{"\u20ac":"Euro","\r":"CR","1":"One","\u0080":"Ctl","\ud83d\ude00":"Smiley","\u00f6":"Latin","\ufb33":"Hebrew"}`,
			"{\"\\r\":\"CR\",\"1\":\"One\",\"\u0080\":\"Ctl\",\"\u00f6\":\"Latin\",\"\u20ac\":\"Euro\",\"\U0001F600\":\"Smiley\",\"\ufb33\":\"Hebrew\"}"},
		{` { "b" : [ 1 , 2.50 , -0 , 1e21 , 1e-7 , 123456789012 ] , "a" : null } `,
			`{"a":null,"b":[1,2.5,0,1e+21,1e-7,123456789012]}`},
		{`"<>&\u2028\u001f/"`, "\"<>&\u2028\\u001f/\""},
		{`[true,false,{}]`, `[true,false,{}]`},
	}
	for _, tt := range tests {
		got, err := Transform([]byte(tt.in))
		if err != nil {
			t.Fatalf("Transform(%s): %v", tt.in, err)
		}
		if string(got) != tt.want {
			t.Errorf("Transform(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	// Values from RFC 8785 Appendix B.
	tests := []struct {
		f    float64
		want string
	}{
		{math.Float64frombits(0x0000000000000001), "5e-324"},
		{math.Float64frombits(0x8000000000000001), "-5e-324"},
		{math.Float64frombits(0x7fefffffffffffff), "1.7976931348623157e+308"},
		{math.Float64frombits(0x4340000000000000), "9007199254740992"},
		{math.Float64frombits(0x444b1ae4d6e2ef50), "1e+21"},
		{math.Float64frombits(0x444b1ae4d6e2ef4f), "999999999999999900000"},
		{math.Float64frombits(0x3eb0c6f7a0b5ed8d), "0.000001"},
		{math.Float64frombits(0x3eb0c6f7a0b5ed8c), "9.999999999999997e-7"},
		{math.Float64frombits(0x41b3de4355555555), "333333333.3333333"},
	}
	for _, tt := range tests {
		got, err := formatNumber(tt.f)
		if err != nil || got != tt.want {
			t.Errorf("formatNumber(%x) = %q, %v; want %q", math.Float64bits(tt.f), got, err, tt.want)
		}
	}
}

func TestRejects(t *testing.T) {
	for _, in := range []string{`{"a":1} {}`, `{"a":`, "\"\xff\""} {
		if _, err := Transform([]byte(in)); err == nil {
			t.Errorf("Transform(%q) succeeded; want an error", in)
		}
	}
}

func FuzzTransform(f *testing.F) {
	f.Add([]byte(`{"a":[1,2.5,"x"],"b":{"c":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Transform(data)
		if err != nil {
			return
		}
		again, err := Transform(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("canonical form is not stable: %q -> %q (%v)", out, again, err)
		}
	})
}
