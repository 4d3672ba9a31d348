"""``food-mentions``: every sentence of the built-in English sentiment corpora that talks about food.

The seed's word-drift story ran on Yelp restaurant reviews. No package on the registries this project
may use ships restaurant reviews (PyPI, npm and Debian were searched; the Yelp and TripAdvisor
packages found hold API clients or ratings, not review text). In the movie, product, tweet and
editorial corpora food words are rare (``food`` occurs 15 times in 10,568 movie sentences), so their
embeddings barely move. This dataset keeps only the sentences that mention a food word (or a
restaurant or table), from all six corpora, so that food words make up a real share of every batch.
Labels are each corpus's own sentiment (negative / positive; the airline tweets' neutral ones are
left out); ``source`` says where each sentence came from.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .base import LabeledData, split_for
from .fetch import Progress
from .more_sources import airline_tweets, amazon_snippets, nyt_editorials, rotten_tomatoes, tweets
from .sources import movie_sentences

# Hand-written for hiddenrep (not from any published lexicon): everyday dishes, ingredients and
# drinks, each a single lower-case word that glove.6B has. Includes the seed's "ramen" and "pork".
FOOD_WORDS = frozenset("""
food foods meal meals dish dishes cuisine breakfast lunch dinner snack dessert recipe cooking
bread toast sandwich burger burgers pizza pasta noodles ramen spaghetti lasagna sushi taco tacos burrito
curry soup stew salad rice dumplings pancakes waffles cereal oatmeal porridge omelet
meat beef pork bacon ham sausage steak chicken turkey lamb veal duck fish salmon tuna shrimp lobster crab
egg eggs cheese butter cream milk yogurt tofu beans lentils
apple apples banana bananas orange oranges grape grapes lemon lime mango peach pear cherry strawberry
strawberries blueberries pineapple watermelon coconut avocado tomato tomatoes potato potatoes fries
onion onions garlic carrot carrots lettuce spinach cabbage broccoli cucumber mushroom mushrooms corn
peas pepper peppers vegetables fruit fruits nuts peanut peanuts almonds
sugar salt honey chocolate candy cookie cookies cake cakes pie muffin donut donuts icecream
coffee tea juice soda beer wine whiskey vodka cocktail
""".split())

# "apple" is left out: in the tweets it is the company far more often than the fruit.
EXTRA_WORDS = frozenset({"restaurant", "restaurants", "table", "tables", "menu", "waiter", "chef", "eat", "ate"})
_TOKEN = re.compile(r"[a-z]+")


def _food_words() -> frozenset[str]:
    return (FOOD_WORDS - {"apple", "apples"}) | EXTRA_WORDS


def food_mentions(*, progress: Progress | None = None) -> LabeledData:
    """Sentences mentioning food from movie-sentences, amazon-snippets, tweets, nyt-editorials,
    rotten-tomatoes and airline-tweets, labelled negative / positive by their own corpus."""
    words = _food_words()
    ids, texts, labels, sources = [], [], [], []
    for load in (movie_sentences, amazon_snippets, tweets, nyt_editorials, rotten_tomatoes, airline_tweets):
        data = load(progress=progress)
        if data.multilabel:  # airline tweets: keep the clearly negative or positive ones
            sentiment = data.labels[:, :3].argmax(1)
            keep, label = sentiment != 1, (sentiment == 2).astype(np.int64)
        else:
            keep, label = np.ones(len(data), bool), data.labels
        for i in np.flatnonzero(keep):
            if not words.isdisjoint(_TOKEN.findall(data.texts[i].lower())):
                ids.append(str(data.ids[i]))
                texts.append(data.texts[i])
                labels.append(int(label[i]))
                sources.append(data.name)
    return LabeledData(
        name="food-mentions",
        ids=np.array(ids),
        inputs=texts,
        texts=texts,
        labels=np.array(labels, dtype=np.int64),
        class_names=["negative", "positive"],
        split=np.array([split_for(i) for i in ids]),
        metadata=pd.DataFrame({"source": sources}),
        description="Sentences that mention food, from the six built-in English sentiment corpora "
                    "(for the word-drift story: no registry package ships restaurant reviews).",
    )
