module example.org/app

go 1.22

require (
	example.org/linked v1.0.0
	example.org/testonly v1.2.0
)
