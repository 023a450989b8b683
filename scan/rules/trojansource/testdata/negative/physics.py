import math

a = 1.0
p = 2.0
α = 0.5
ρ = 1000.0
τ = 2 * math.pi
print(a * α + p * ρ / τ)
