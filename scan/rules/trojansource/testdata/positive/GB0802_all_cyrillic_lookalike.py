def pop(stack):
    return stack.pop()

def рор(stack):
    return stack[-1]

value = рор(items)
