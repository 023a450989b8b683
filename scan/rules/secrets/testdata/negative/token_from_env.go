package ci

import "os"

var githubToken = os.Getenv("GITHUB_TOKEN")
var apiKey = mustRead("/run/secrets/api_key")
