module example.com/gateway

go 1.22

toolchain go1.22.3

require (
	github.com/gin-gonic/gin v1.6.0
	golang.org/x/net v0.0.0-20190620200207-3b0461eec859
	golang.org/x/text v0.3.0
	example.com/internal/auth v0.0.0
)

require (
	github.com/gin-contrib/sse v0.1.0 // indirect
	github.com/golang/protobuf v1.3.3 // indirect
	github.com/pkg/errors v0.8.1 // indirect
)

replace github.com/pkg/errors => github.com/pkg/errors v0.9.1

replace example.com/internal/auth => ./auth

exclude golang.org/x/text v0.3.2
