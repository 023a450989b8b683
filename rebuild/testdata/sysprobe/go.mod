module glassbox.dev/rebuild/testdata/sysprobe

go 1.22
