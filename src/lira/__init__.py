"""LiRA: Linguistic Robust Anchoring for low-resource languages.

Method: "LiRA: Linguistic Robust Anchoring for Cross-lingual Large Language Models" (arXiv 2510.14466).
"""

__version__ = "0.1.0"
