if [ "$uid" = 0 ]; then echo root; fi
