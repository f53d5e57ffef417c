from collections import Counter
import string


def text_stats(data, filter=None):
    letters = Counter(c.lower() for c in data if c in string.ascii_letters)
    sentences = [s for s in data.replace("!", ".").replace("?", ".").split(".") if s.strip()]
    words = data.split()
    evaluation = {
        "letters": dict(letters.most_common(int(filter or 5))),
        "sentences": len(sentences),
        "avg_word_length": round(sum(map(len, words)) / len(words), 2) if words else 0,
        "vowels": sum(letters[v] for v in "aeiou"),
    }
    return evaluation
